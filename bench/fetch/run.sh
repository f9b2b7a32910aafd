#!/usr/bin/env bash
# run.sh — build seqfs and run the fetch/load benchmark against samtools and
# bgzip on human chr20 (Debian vt's examples). Prints one table.
set -euo pipefail
cd "$(dirname "$0")/../.."
FASTA=${FASTA:-/usr/share/doc/vt/examples/ref/20.fa.gz}
for tool in samtools bgzip; do command -v $tool >/dev/null || { echo "$tool missing (scripts/deps.sh)"; exit 1; }; done
[ -f "$FASTA" ] || { echo "$FASTA missing (apt-get install vt)"; exit 1; }
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/seqfs" ./cmd/seqfs
go build -o "$bin/fetchbench" ./bench/fetch
"$bin/fetchbench" -seqfs "$bin/seqfs" -fasta "$FASTA" "$@"
