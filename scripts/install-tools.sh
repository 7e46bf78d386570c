#!/usr/bin/env bash
# Installs the pinned tools a command names into project-local folders (never globally):
#   bash scripts/install-tools.sh checkov              npm run policy
#   bash scripts/install-tools.sh actionlint zizmor    npm run lint:workflows
#   .venv/        checkov and zizmor, from PyPI (needs Python 3)
#   .tools/bin/   actionlint, built from the Go module proxy (needs Go)
# A tool already at its pinned version is skipped; the first install says what it installs, from
# where and about how long it takes (measured on a 2-core machine), then how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."

CHECKOV_VERSION=3.3.30
ZIZMOR_VERSION=1.32.0
ACTIONLINT_VERSION=v1.7.12

# Runs "$@" and reports the time; $1 names the tool, $2 its version, $3 where from, $4 the estimate.
timed_install() {
  local tool=$1 version=$2 from=$3 estimate=$4 start=$SECONDS
  shift 4
  echo "installing $tool $version from $from (first run only; about $estimate)"
  "$@"
  echo "installed $tool $version in $((SECONDS - start)) s"
}

pip_install() {
  [ -x .venv/bin/pip ] || python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check "$1"
}

install_checkov() {
  [ -x .venv/bin/checkov ] && [ "$(.venv/bin/checkov --version 2>/dev/null)" = "$CHECKOV_VERSION" ] && return
  timed_install checkov "$CHECKOV_VERSION" "PyPI into .venv" "2 minutes" pip_install "checkov==$CHECKOV_VERSION"
}

install_zizmor() {
  [ -x .venv/bin/zizmor ] && [ "$(.venv/bin/zizmor --version 2>/dev/null)" = "zizmor $ZIZMOR_VERSION" ] && return
  timed_install zizmor "$ZIZMOR_VERSION" "PyPI into .venv" "1 minute" pip_install "zizmor==$ZIZMOR_VERSION"
}

build_actionlint() {
  GOBIN="$PWD/.tools/bin" GOFLAGS=-mod=mod go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
}

install_actionlint() {
  [ -x .tools/bin/actionlint ] && .tools/bin/actionlint -version 2>/dev/null | grep -q "${ACTIONLINT_VERSION#v}" && return
  timed_install actionlint "$ACTIONLINT_VERSION" "the Go module proxy into .tools/bin" "2 minutes" build_actionlint
}

if [ $# -eq 0 ]; then
  echo "usage: bash scripts/install-tools.sh <checkov|zizmor|actionlint>..." >&2
  exit 2
fi
for tool in "$@"; do
  case "$tool" in
    checkov | zizmor | actionlint) "install_$tool" ;;
    *)
      echo "install-tools: unknown tool $tool; allowed: checkov, zizmor, actionlint" >&2
      exit 2
      ;;
  esac
done
