#!/usr/bin/env bash
# Fails when a recorded plan (what --record-plans wrote: a fingerprint and a change list per stack)
# has changes, that is when main's code and what runs in the account differ; prints the verdict as
# Markdown for the job summary, and one line on stderr for the log:
#   drift-check.sh reviewed-plans >> "$GITHUB_STEP_SUMMARY"
# No recorded plan is no verdict: it fails too (the plan stopped before recording anything).
set -euo pipefail
dir=$1
shopt -s nullglob
fingerprints=("$dir"/*.sha256)
if [ ${#fingerprints[@]} -eq 0 ]; then
  echo "_No plan was recorded, so drift is unknown (see the job log: preflight or synth stopped it)._"
  echo "drift unknown: no plan was recorded in $dir" >&2
  exit 1
fi
drifted=()
for fingerprint in "${fingerprints[@]}"; do
  stack=$(basename "$fingerprint" .sha256)
  if [ -s "$dir/$stack.changes.txt" ]; then drifted+=("$stack"); fi
done
if [ ${#drifted[@]} -eq 0 ]; then
  echo "## No drift: every stack's plan has no changes"
  exit 0
fi
echo "## Drift: main's code and the account differ in ${drifted[*]}"
echo "Reconcile as docs/runbook.md (\"Drift\") says: apply main again, or bring the change into the code."
for stack in "${drifted[@]}"; do
  printf '### %s\n```\n' "$stack"
  cat "$dir/$stack.changes.txt"
  printf '```\n'
done
echo "drift in ${drifted[*]}: reconcile as docs/runbook.md (\"Drift\") says" >&2
exit 1
