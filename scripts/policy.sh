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
if [ $# -gt 0 ]; then
  echo "npm run policy: unknown argument \"$1\"; it takes none (usage: npm run policy)" >&2
  exit 2
fi
# checkov only: actionlint and zizmor are npm run lint:workflows's.
bash scripts/install-tools.sh checkov
[ -d cdktf.out/stacks ] || npm run --silent synth
# checkov exits 1 on failed checks; the summary below decides, so its report is read either way.
# Its own errors go to a log (git-ignored with .venv), named when it produced no report to read.
log=.venv/checkov.log
status=0
report=$(.venv/bin/checkov --config-file .checkov.yaml -d cdktf.out/stacks -o json 2>"$log") || status=$?
if [ -z "$report" ] || [ "$status" -gt 1 ]; then
  echo "npm run policy: checkov exited $status without a report; its errors are in $log" >&2
  exit 1
fi
summary=0
printf '%s' "$report" | node scripts/checkov-summary.mjs || summary=$?
if [ "$summary" -eq 2 ]; then echo "npm run policy: checkov's errors are in $log" >&2; fi
exit "$summary"
