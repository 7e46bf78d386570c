#!/usr/bin/env bash
# npm run lint:workflows: actionlint and zizmor (offline audits, config .github/zizmor.yml) over
# .github/workflows, both pinned and installed on the first run by scripts/install-tools.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ " $* " == *" --help "* || " $* " == *" -h "* ]]; then
  echo "usage: npm run lint:workflows"
  echo "actionlint, then zizmor (offline, .github/zizmor.yml) over .github/workflows; installs both on the first run"
  echo "(actionlint built with Go into .tools/bin, zizmor from PyPI into .venv)."
  exit 0
fi
bash scripts/install-tools.sh actionlint zizmor
.tools/bin/actionlint
.venv/bin/zizmor --offline --config .github/zizmor.yml .github/workflows
