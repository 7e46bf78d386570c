#!/usr/bin/env bash
# Installs the project's pinned Python and Go tools into project-local folders (never globally):
#   .venv/             checkov and zizmor, from PyPI
#   .tools/bin/        actionlint, from the Go module proxy
# Safe to run again: it skips what is already at the pinned version.
set -euo pipefail
cd "$(dirname "$0")/.."

CHECKOV_VERSION=3.3.30
ZIZMOR_VERSION=1.32.0
ACTIONLINT_VERSION=v1.7.12

if [ ! -x .venv/bin/checkov ] || [ "$(.venv/bin/checkov --version 2>/dev/null)" != "$CHECKOV_VERSION" ]; then
  echo "installing checkov $CHECKOV_VERSION into .venv"
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION"
fi

if [ ! -x .venv/bin/zizmor ] || [ "$(.venv/bin/zizmor --version 2>/dev/null)" != "zizmor $ZIZMOR_VERSION" ]; then
  echo "installing zizmor $ZIZMOR_VERSION into .venv"
  [ -x .venv/bin/pip ] || python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check "zizmor==$ZIZMOR_VERSION"
fi

if [ ! -x .tools/bin/actionlint ] || ! .tools/bin/actionlint -version 2>/dev/null | grep -q "${ACTIONLINT_VERSION#v}"; then
  echo "installing actionlint $ACTIONLINT_VERSION into .tools/bin"
  GOBIN="$PWD/.tools/bin" GOFLAGS=-mod=mod go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
fi
