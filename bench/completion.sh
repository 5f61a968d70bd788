#!/usr/bin/env bash
# Shell completion, measured (README "Performance"): how long bash takes to source the script
# `atlas completion bash` writes, and how long one TAB takes at three places of the tree.
#
#   bench/completion.sh [path/to/atlas]      (default: target/release/atlas, else debug)
#
# Medians of 21 runs each; bash only (the README's figure); zsh and fish sourcing for
# comparison when they are installed.
set -euo pipefail
cd "$(dirname "$0")/.."
atlas=${1:-}
if [ -z "$atlas" ]; then
  target=${CARGO_TARGET_DIR:-$PWD/target}
  atlas="$target/release/atlas"
  [ -x "$atlas" ] || atlas="$target/debug/atlas"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$atlas" completion bash >"$work/atlas.bash"
"$atlas" completion zsh >"$work/atlas.zsh"
"$atlas" completion fish >"$work/atlas.fish"

# The median of 21 timings (microseconds) of a command run by the given shell.
median_us() {
  local shell=$1 program=$2 i t0 t1
  for i in $(seq 21); do
    t0=$(date +%s%N)
    $shell -c "$program" >/dev/null 2>&1
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000))
  done | sort -n | sed -n 11p
}

empty=$(median_us bash 'true')
sourced=$(median_us bash "source $work/atlas.bash")
printf 'bash: script %s bytes, sourcing %s us (a bare bash: %s us)\n' \
  "$(wc -c <"$work/atlas.bash")" "$((sourced - empty))" "$empty"
for place in 'atlas api ""|2' 'atlas api clusters ""|3' 'atlas api clusters listClusters --|4'; do
  words=${place%|*}
  cword=${place#*|}
  with=$(median_us bash "source $work/atlas.bash; COMP_WORDS=($words); COMP_CWORD=$cword; _atlas")
  printf 'bash: TAB after %-36s %s us\n' "'${words//\"\"/}'" "$((with - sourced))"
done
if command -v zsh >/dev/null; then
  z0=$(median_us zsh 'true')
  z1=$(median_us zsh "compdef() { :; }; source $work/atlas.zsh")
  printf 'zsh: sourcing %s us\n' "$((z1 - z0))"
fi
if command -v fish >/dev/null; then
  f0=$(median_us fish 'true')
  f1=$(median_us fish "source $work/atlas.fish")
  printf 'fish: sourcing %s us\n' "$((f1 - f0))"
fi
