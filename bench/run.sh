#!/usr/bin/env bash
# Measures the release binary by hand (not part of CI): size, start-up, a full digest
# round trip against the loopback stand-in, a template over a list, and a 50 MB body.
# Needs hyperfine (Debian package) and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin atlas
cargo build --quiet -p atlas-standin
atlas=$PWD/target/release/atlas
work=$(mktemp -d)
trap 'kill $standin 2>/dev/null || true; rm -rf "$work"' EXIT

./target/debug/atlas-standin --seed > "$work/standin.out" &
standin=$!
for _ in $(seq 50); do [ -s "$work/standin.out" ] && break; sleep 0.1; done
url=$(awk '{print $3}' "$work/standin.out")
mkdir -p "$work/home/.config/atlascli"
cat > "$work/home/.config/atlascli/config.toml" <<TOML
[default]
public_api_key = 'fakepublic'
private_api_key = '00000000-fake-fake-fake-000000000000'
ops_manager_url = '$url'
org_id = 'a0123456789abcdef012345a'
api_version = '2023-01-01'
TOML
echo '{"desc":"bench","roles":["ORG_READ_ONLY"]}' > "$work/key.json"
python3 -c "import sys; sys.stdout.write('{\"desc\":\"big\",\"roles\":[\"ORG_READ_ONLY\"],\"padding\":\"' + 'a'*50*1024*1024 + '\"}')" > "$work/big.json"
export HOME=$work/home

echo "binary: $(stat -c %s "$atlas") bytes"
hyperfine -N --warmup 5 --runs 100 \
  "$atlas api programmaticApiKeys createOrgApiKey --help" \
  "$atlas api programmaticApiKeys createOrgApiKey --file $work/key.json" \
  "$atlas api programmaticApiKeys getOrgApiKey --apiUserId 698c46bee3bbe1ace0f31aec -o {{.desc}}"
hyperfine -N --warmup 1 --runs 10 \
  "$atlas api programmaticApiKeys createOrgApiKey --file $work/big.json"
for case in "createOrgApiKey --help" "createOrgApiKey --file $work/key.json" "createOrgApiKey --file $work/big.json"; do
  rss=$(/usr/bin/time -f %M "$atlas" api programmaticApiKeys $case 2>&1 >/dev/null | tail -1)
  echo "peak RSS, $case: ${rss} KiB"
done
