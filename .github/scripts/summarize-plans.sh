#!/usr/bin/env bash
# Prints the recorded plans (what --record-plans wrote per stack: a fingerprint, a change list, and
# the outputs it changes with the stacks that read them; never a plan file or a value) as Markdown,
# then the stacks it could not plan before an earlier one is applied (<stack>.stopped.json, one
# line each), for the job summary the apply's reviewers read:
#   summarize-plans.sh reviewed-plans >> "$GITHUB_STEP_SUMMARY"
set -euo pipefail
dir=$1
shopt -s nullglob
fingerprints=("$dir"/*.sha256)
stops=("$dir"/*.stopped.json)
if [ ${#fingerprints[@]} -eq 0 ] && [ ${#stops[@]} -eq 0 ]; then
  echo "_No plan was recorded (see the job log: preflight or synth stopped it)._"
  exit 0
fi
echo "## Plans to review: the apply applies a stack only if its new plan has this fingerprint"
for fingerprint in "${fingerprints[@]}"; do
  stack=$(basename "$fingerprint" .sha256)
  changes="$dir/$stack.changes.txt"
  printf '### %s\nfingerprint `%s`\n\n' "$stack" "$(tr -d '\n' <"$fingerprint")"
  if [ -s "$changes" ]; then
    printf '```\n'
    cat "$changes"
    printf '```\n'
  else
    echo "_No changes._"
  fi
  outputs="$dir/$stack.outputs.txt"
  if [ -s "$outputs" ]; then
    echo "Outputs it changes. A stack that reads one was planned above against the old value: if its plan then differs, the apply stops it and a second delivery plans it against the new one."
    printf '```\n'
    cat "$outputs"
    printf '```\n'
  fi
done
if [ ${#stops[@]} -gt 0 ]; then
  echo "## Not planned yet: the apply applies the stacks above, then stops these and those after them for a second delivery"
  printf '```\n'
  for stop in "${stops[@]}"; do
    node -p 'JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")).reason' "$stop"
  done
  printf '```\n'
fi
