#!/bin/sh
# Rebuilds the Go oracle (Debian's golang-go is enough) and regenerates cases.jsonl.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
crate=$(cd "$here/../.." && pwd)
oracle=${ORACLE:-$HOME/gotmpl-oracle}
if [ ! -x "$oracle" ]; then
    command -v go >/dev/null || { apt-get update && apt-get install -y golang-go; }
    tmp=$(mktemp -d)
    cp -r "$crate/tools/gotmpl-oracle/." "$tmp"
    (cd "$tmp" && GOFLAGS=-mod=mod GOPROXY=off go build -o "$oracle" .)
    rm -rf "$tmp"
fi
ORACLE="$oracle" FIXTURES="$crate/../../tests/data/recorded" python3 "$here/generate.py"
