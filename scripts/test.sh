#!/usr/bin/env bash
# test.sh — the whole test suite, from a fresh Debian machine: installs what
# it needs (scripts/deps.sh), checks formatting, vet and staticcheck, then
# runs every test with the race detector, including the integration tests
# that mount FUSE filesystems and start servers on loopback ports.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
export PATH="/usr/local/go/bin:$PATH"

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then echo "gofmt needed: $unformatted"; exit 1; fi
echo "== go vet"
go vet ./...
echo "== staticcheck"
# The staticcheck pinned in tools/go.mod, run on this module.
staticcheck="$(go -C tools tool -n staticcheck)"
"$staticcheck" ./...
echo "== go test"
go test -race -count=1 -timeout 40m ./... 2>&1 | tee /tmp/seqfs-test.log
echo "== go test bgzf with the pure-Go inflater (-tags nolibdeflate)"
go test -race -count=1 -tags nolibdeflate ./bgzf/... 2>&1 | tee -a /tmp/seqfs-test.log
