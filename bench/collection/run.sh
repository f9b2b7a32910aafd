#!/usr/bin/env bash
# bench/collection/run.sh — /collection benchmark, side by side in one run:
#   a genome of GRCh37 chr20 (Debian vt-examples) + yeast I, VI and phiX (the
#   bundled sample), 64.6 MB as FASTA, loaded from one FASTA (= one collection):
#     cold sequential read of /collection/genome.fa through the mount (fresh
#       daemon, page cache dropped)
#     vs samtools faidx of the same four sequences from a local BGZF copy (cold, warm)
#     vs cat of a local plain copy (warm), and cat of the mounted file (warm)
#   ls -l /collection with 1,000 collections (each on a fresh daemon).
# Every figure is the median of BENCH_RUNS runs (default 5).
# Needs root (drop_caches, mount), vt-examples, samtools, bgzip (tabix), seqkit.
# Work files go to $BENCH_DIR (default bench/data/collection, git-ignored).
set -euo pipefail
cd "$(dirname "$0")/../.."

SEQFS=${SEQFS:-bin/seqfs}
W=${BENCH_DIR:-bench/data/collection}
RUNS=${BENCH_RUNS:-5}
NCOLL=${BENCH_COLLECTIONS:-1000}
CHR20=/usr/share/doc/vt/examples/ref/20.fa.gz
SAMPLE=testdata/yeast-phix-2019/master
mkdir -p "$W"
W=$(cd "$W" && pwd)
[ -x "$SEQFS" ] || go build -o "$SEQFS" ./cmd/seqfs
[ -f "$CHR20" ] || { echo "bench: install vt-examples (scripts/deps.sh)" >&2; exit 1; }

# Inputs: the genome as FASTA wrapped at 60 (the mount's width), its BGZF
# copy with indexes, an instance holding it, and one with $NCOLL collections.
if [ ! -f "$W/genome.fa" ]; then
  # Every record wrapped at 60 residues per line.
  {
    zcat "$CHR20" | sed '1s/.*/>NC_000020.10/'
    for pair in lZyxiD_ByprhOUzrR1o1bq0ezO_1gkrn:NC_001133.9 \
      z-qJgWoacRBV77zcMgZN9E_utrdzmQsH:NC_001138.5 IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF:NC_001422.1; do
      "$SEQFS" -s "$SAMPLE" export -n VMC "GS_${pair%%:*}" | sed "1s/.*/>${pair#*:}/"
    done
  } > "$W/genome.in.fa"
  seqkit seq -w 60 "$W/genome.in.fa" > "$W/genome.fa.tmp"
  mv "$W/genome.fa.tmp" "$W/genome.fa"
  rm -f "$W/genome.in.fa"
fi
if [ ! -f "$W/genome.fa.gz.gzi" ]; then
  bgzip -c "$W/genome.fa" > "$W/genome.fa.gz"
  samtools faidx "$W/genome.fa.gz"
fi
if [ ! -d "$W/inst/master" ]; then
  rm -rf "$W/inst"
  "$SEQFS" -r "$W/inst" init -i master >/dev/null
  "$SEQFS" -r "$W/inst" load -i master -n NCBI "$W/genome.fa" >/dev/null
fi
if [ ! -d "$W/many/master" ]; then
  rm -rf "$W/many" "$W/many-fa"
  mkdir -p "$W/many-fa"
  # $NCOLL small genomes of 3 random 2-kb sequences each.
  awk -v n="$NCOLL" -v dir="$W/many-fa" 'BEGIN {
    srand(7)
    for (c = 0; c < n; c++) {
      f = sprintf("%s/g%04d.fa", dir, c)
      for (r = 1; r <= 3; r++) {
        print ">chr" r > f
        for (l = 0; l < 34; l++) { s = ""; for (i = 0; i < 60; i++) s = s substr("ACGT", int(rand() * 4) + 1, 1); print s > f }
      }
      close(f)
    }
  }'
  "$SEQFS" -r "$W/many" init -i master >/dev/null
  "$SEQFS" -r "$W/many" load -i master -n bench "$W"/many-fa/*.fa >/dev/null
fi

MNT=$(mktemp -d -t seqfs-bench-XXXXXX)
PID=""
stop() {
  if [ -n "$PID" ]; then kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=""; fi
  if mountpoint -q "$MNT"; then umount -l "$MNT" 2>/dev/null || fusermount3 -uz "$MNT" || true; fi
}
trap 'stop; rmdir "$MNT" 2>/dev/null || true' EXIT
. bench/mountlib.sh   # start, drop, secs, median, mbps
row() { printf '%-66s %9s s  %s\n' "$1" "$2" "${3:-}"; }

SIZE=$(stat -c %s "$W/genome.fa")
SEQS=(NC_000020.10 NC_001133.9 NC_001138.5 NC_001422.1)
FA="$MNT/collection/genome.fa"
echo "== seqfs /collection benchmark ($(nproc) CPUs, $(uname -r)); genome.fa = $SIZE bytes, 4 records; median of $RUNS"

start "$W/inst/master"
cmp -s "$FA" "$W/genome.fa" || { echo "bench: /collection/genome.fa differs from the local copy" >&2; exit 1; }
stop

cold=()
for _ in $(seq "$RUNS"); do start "$W/inst/master"; drop; cold+=("$(secs cat "$FA")"); stop; done
tc=$(printf '%s\n' "${cold[@]}" | median)
row "cold: cat /collection/genome.fa (fresh daemon, caches dropped)" "$tc" "$(mbps "$SIZE" "$tc")"
sf=()
for _ in $(seq "$RUNS"); do drop; sf+=("$(secs samtools faidx "$W/genome.fa.gz" "${SEQS[@]}")"); done
ts=$(printf '%s\n' "${sf[@]}" | median)
row "cold: samtools faidx genome.fa.gz <4 sequences> (local BGZF)" "$ts" "$(mbps "$SIZE" "$ts")"
awk -v m="$tc" -v s="$ts" 'BEGIN { printf "cold: the mount is %.1fx as fast as samtools faidx from BGZF (target > 1)\n", s / m }'

start "$W/inst/master"
cat "$FA" >/dev/null
wm=(); for _ in $(seq "$RUNS"); do wm+=("$(secs cat "$FA")"); done
tm=$(printf '%s\n' "${wm[@]}" | median)
row "warm: cat /collection/genome.fa" "$tm" "$(mbps "$SIZE" "$tm")"
stop
cat "$W/genome.fa" >/dev/null
wl=(); for _ in $(seq "$RUNS"); do wl+=("$(secs cat "$W/genome.fa")"); done
tl=$(printf '%s\n' "${wl[@]}" | median)
row "warm: cat of the local plain genome.fa" "$tl" "$(mbps "$SIZE" "$tl")"
ws=(); for _ in $(seq "$RUNS"); do ws+=("$(secs samtools faidx "$W/genome.fa.gz" "${SEQS[@]}")"); done
tw=$(printf '%s\n' "${ws[@]}" | median)
row "warm: samtools faidx genome.fa.gz <4 sequences> (local BGZF)" "$tw" "$(mbps "$SIZE" "$tw")"
awk -v m="$tm" -v l="$tl" 'BEGIN { printf "warm: the mount takes %.2fx the time of cat of the local copy (target <= 2)\n", m / l }'

start "$W/many/master"
N=$(ls -f "$MNT/collection" | grep -vc '^\.\.\?$')
stop
ll=()
for _ in $(seq "$RUNS"); do start "$W/many/master"; ll+=("$(secs ls -l "$MNT/collection")"); stop; done
t=$(printf '%s\n' "${ll[@]}" | median)
row "ls -l /collection, $NCOLL collections ($N entries, fresh daemon)" "$t" "(target < 1 s)"
