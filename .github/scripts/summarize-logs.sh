#!/usr/bin/env bash
# Prints the end of each stack's deploy log as Markdown, for a job summary:
#   summarize-logs.sh deploy-out/<env>/logs >> "$GITHUB_STEP_SUMMARY"
# Terraform prints sensitive values as "(sensitive value)"; the saved plans never leave the job.
set -euo pipefail
dir=$1
[ -d "$dir" ] || {
  echo "_No stack ran (see the job log: preflight or synth stopped it)._"
  exit 0
}
for log in "$dir"/*.log; do
  [ -e "$log" ] || continue
  printf '### %s\n```\n' "$(basename "$log" .log)"
  tail -n 60 "$log"
  printf '```\n'
done
