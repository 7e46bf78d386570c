#!/usr/bin/env bash
# Checks a stack list typed by a person (the rollout's `stacks` input) before any shell splits it:
#   stack-list.sh "<stack> [<stack>...]"
# Prints one allowed stack name per line (for `mapfile -t`), or one line naming the bad value and
# what is allowed, and exits 1. Allowed: the stacks CI applies (CI_APPLIED_CONCERNS in
# config/delivery.ts; __tests__/workflows checks they match). bootstrap and github are applied by
# people only (PEOPLE_ONLY_CONCERNS): bootstrap holds the CI identities, which the deploy role
# cannot change; github holds the repository's GitHub environments and branch protection.
set -euo pipefail
ALLOWED=(network cluster data platform app)

list=${1-}
# Lower-case words separated by single spaces, nothing else: no glob, quote, option or separator
# can reach the command line.
if ! [[ $list =~ ^[a-z]+( [a-z]+)*$ ]]; then
  echo "stacks \"$list\": give stack names separated by single spaces; allowed: ${ALLOWED[*]}" >&2
  exit 1
fi
read -r -a names <<<"$list"
for name in "${names[@]}"; do
  if [ "$name" = bootstrap ]; then
    echo "stacks \"$list\": bootstrap is applied by people only (it holds the CI identities); allowed: ${ALLOWED[*]}" >&2
    exit 1
  fi
  if [ "$name" = github ]; then
    echo "stacks \"$list\": github is applied by people only (it holds the repository's GitHub settings); allowed: ${ALLOWED[*]}" >&2
    exit 1
  fi
  allowed=false
  for candidate in "${ALLOWED[@]}"; do [ "$name" = "$candidate" ] && allowed=true; done
  if [ "$allowed" = false ]; then
    echo "stacks \"$list\": stack \"$name\" does not exist; allowed: ${ALLOWED[*]}" >&2
    exit 1
  fi
done
printf '%s\n' "${names[@]}"
