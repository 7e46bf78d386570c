#!/usr/bin/env bash
# npm run policy: checkov (pinned, installed into .venv on the first run by scripts/install-tools.sh) over every
# synthesized stack, with the skips and their reasons in .checkov.yaml. Prints passed, failed and
# skipped checks per environment; fails on any failed check. Synthesizes first if cdktf.out is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ " $* " == *" --help "* || " $* " == *" -h "* ]]; then
  echo "usage: npm run policy"
  echo "checkov over every synthesized stack (cdktf.out; synthesized first when missing), skips in .checkov.yaml."
  exit 0
fi
# checkov only: actionlint and zizmor are npm run lint:workflows's.
bash scripts/install-tools.sh checkov
[ -d cdktf.out/stacks ] || npm run --silent synth
# checkov exits 1 on failed checks; the summary below decides, so its report is read either way.
report=$(.venv/bin/checkov --config-file .checkov.yaml -d cdktf.out/stacks -o json 2>/dev/null || true)
printf '%s' "$report" | node scripts/checkov-summary.mjs
