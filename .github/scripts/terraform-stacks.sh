#!/usr/bin/env bash
# Plans or applies every stack of one environment in deploy order (bootstrap is applied once by hand).
#   terraform-stacks.sh plan  <env>   saved plans in plans/<stack>.tfplan, text in plans/<stack>.txt
#                                     (-lock=false: the read-only plan role cannot write the lock file)
#   terraform-stacks.sh apply <env>   applies the saved plans, in order; Terraform refuses a plan
#                                     whose state changed since it was made
# Needs cdktf.out for the environment (npm run synth) and AWS credentials for its account.
set -euo pipefail
action=$1
env=$2
stacks=(network cluster data platform app)
mkdir -p plans
for concern in "${stacks[@]}"; do
  stack="$env-$concern"
  dir="cdktf.out/stacks/$stack"
  echo "::group::$action $stack"
  terraform -chdir="$dir" init -input=false -no-color >/dev/null
  case "$action" in
    plan)
      terraform -chdir="$dir" plan -input=false -lock=false -no-color -out="$PWD/plans/$stack.tfplan" | tee "plans/$stack.txt"
      ;;
    apply)
      terraform -chdir="$dir" apply -input=false -no-color "$PWD/plans/$stack.tfplan"
      ;;
    *)
      echo "usage: $0 plan|apply <env>" >&2
      exit 2
      ;;
  esac
  echo "::endgroup::"
done
