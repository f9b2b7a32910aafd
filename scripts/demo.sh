#!/usr/bin/env bash
# demo.sh — the README's first command (`make run`): mounts the bundled
# sample SeqRepo instance with `seqfs mount`, shows the tree, the head of a
# FASTA and a samtools faidx region read from the mount, fetches a
# subsequence and prints the instance status, then unmounts cleanly.
# Expects bin/seqfs (the Makefile builds it first). Mounting needs root or
# fusermount3 (package fuse3; scripts/deps.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."

SEQFS=${SEQFS:-bin/seqfs}
SAMPLE=testdata/yeast-phix-2019/master
PHIX_MD5=3332ed720ac7eaa9b3655c06f6b9e196      # phiX174 (5,386 nt)
CHRVI=GS_z-qJgWoacRBV77zcMgZN9E_utrdzmQsH       # yeast chromosome VI (270,161 nt)

if [ ! -x "$SEQFS" ]; then echo "demo: $SEQFS not built (run make build)" >&2; exit 1; fi

MNT=$(mktemp -d -t seqfs-demo-XXXXXX)
LOG=$(mktemp -t seqfs-demo-log-XXXXXX)
PID=""
cleanup() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
  fi
  if mountpoint -q "$MNT" 2>/dev/null; then
    fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null || true
  fi
  rmdir "$MNT" 2>/dev/null || true
  rm -f "$LOG"
}
trap cleanup EXIT

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step "$SEQFS -s $SAMPLE mount $MNT &"
"$SEQFS" -s "$SAMPLE" mount "$MNT" 2>"$LOG" &
PID=$!
for _ in $(seq 100); do
  mountpoint -q "$MNT" && break
  if ! kill -0 "$PID" 2>/dev/null; then cat "$LOG" >&2; echo "demo: mount failed" >&2; exit 1; fi
  sleep 0.1
done
mountpoint -q "$MNT" || { cat "$LOG" >&2; echo "demo: mount did not come up" >&2; exit 1; }
cat "$LOG"

step "ls $MNT"
ls "$MNT"
step "ls -l $MNT/MD5"
ls -l "$MNT/MD5"
step "ls $MNT/test"
ls "$MNT/test"

step "head -4 $MNT/MD5/$PHIX_MD5.fa"
head -4 "$MNT/MD5/$PHIX_MD5.fa"

step "cat $MNT/VMC/$CHRVI.fa.fai"
cat "$MNT/VMC/$CHRVI.fa.fai"

step "samtools faidx $MNT/VMC/$CHRVI.fa $CHRVI:1000-1180"
samtools faidx "$MNT/VMC/$CHRVI.fa" "$CHRVI:1000-1180"

step "cat $MNT/MD5/$PHIX_MD5.dict"
cat "$MNT/MD5/$PHIX_MD5.dict"

step "$SEQFS -s $SAMPLE fetch --start 0 --end 20 SQ.IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF"
"$SEQFS" -s "$SAMPLE" fetch --start 0 --end 20 SQ.IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF

step "$SEQFS -s $SAMPLE status"
"$SEQFS" -s "$SAMPLE" status

step "kill -TERM $PID   # seqfs unmounts on SIGINT/SIGTERM"
kill -TERM "$PID"
wait "$PID"
PID=""
if mountpoint -q "$MNT"; then echo "demo: $MNT still mounted" >&2; exit 1; fi
cat "$LOG" | tail -1
echo "demo: done, nothing left mounted"
