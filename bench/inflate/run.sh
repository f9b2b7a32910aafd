#!/usr/bin/env bash
# bench/inflate/run.sh — the BGZF inflate figures side by side, in one run:
# bench/fetch (whole chr20 cold vs bgzip -dc and samtools faidx, 10,000
# random 100-bp regions cold vs samtools faidx -r, load of 20.fa.gz),
# bench/fs (warm sequential read through the mount vs go-fuse's loopback
# example serving a plain copy of the same FASTA) and bench/s3 (cold
# whole-sequence read over S3 and HTTP), then a summary of those rows.
# Every figure is a median of repeated runs (the machine may be shared).
# Needs root for bench/fs (mount, drop_caches). BENCH_S3_ALIASES (default
# 1000000) sizes bench/s3's synthetic instance.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
echo "--- bench/fetch"
bash bench/fetch/run.sh | tee "$out/fetch" || status=1
echo "--- bench/fs"
bash bench/fs/run.sh | tee "$out/fs" || status=1
echo "--- bench/s3"
go run ./bench/s3 -aliases "${BENCH_S3_ALIASES:-1000000}" | tee "$out/s3" || status=1

echo
echo "=== summary: BGZF inflate (targets: whole chr20 cold >= 1.0x bgzip -dc and >= 3x samtools faidx;"
echo "    10,000 random 100-bp regions cold >= 5x samtools faidx -r; warm mount read >= 90% of the loopback ceiling)"
grep -h -E 'inflater|^every figure|random 100-bp regions|^whole chromosome, cold|^load 20.fa.gz|^CPU time' "$out/fetch"
grep -h -E '^\(warm|^warm' "$out/fs"
grep -h -E '^chr20 +(s3|http) ' "$out/s3" | awk -F'|' '{ split($1, w, " "); printf "cold full chr20 read over %s: %s\n", w[2], $4 }' | sed 's/  */ /g'
exit $status
