#!/usr/bin/env bash
# bench/fs/run.sh — FUSE benchmark, side by side in one run:
#   chr20 (Debian vt-examples, 63 Mb) in a SeqRepo instance, mounted:
#     cold and warm sequential read of the .fa (dd bs=1M, cat)
#     vs the ceiling for a FUSE daemon: go-fuse's own loopback example
#     (github.com/hanwen/go-fuse/v2/example/loopback, built from the module
#     cache) serving a plain local copy of the same FASTA, in the same run
#     (as root on Linux >= 6.9 go-fuse hands the loopback's reads to the
#     kernel with FUSE passthrough, so the ceiling is then page-cache speed)
#     vs samtools faidx 20.fa.gz 20 (BGZF, local disk)
#   10,000 random 4-KiB preads of the mounted .fa (cold and warm), through
#   the loopback mount and of the local copy
#   ls -f and ls -l of a namespace with 1,000,000 aliases, each on a fresh daemon, with the
#   daemon's peak RSS and the kernel's fuse inodes left after ls -l (SEQFS_FS_MAX_NODES,
#   default 50000, bounds the looked-up files the daemon keeps nodes for).
# Needs root (drop_caches, mount), bin/seqfs, vt-examples, samtools, python3.
# Work files go to $BENCH_DIR (default bench/data/fs, git-ignored).
# Set BENCH_LS_L=0 to skip the (slow) ls -l of the million-alias namespace.
# The machine may be shared: warm figures are medians of BENCH_RUNS (default 15)
# runs, seqfs and its peer alternating; cold ones medians of 3.
set -euo pipefail
cd "$(dirname "$0")/../.."

SEQFS=${SEQFS:-bin/seqfs}
W=${BENCH_DIR:-bench/data/fs}
REF=/usr/share/doc/vt/examples/ref
ALIASES=${BENCH_ALIASES:-1000000}
mkdir -p "$W"
W=$(cd "$W" && pwd)
[ -x "$SEQFS" ] || go build -o "$SEQFS" ./cmd/seqfs
go build -o "$W/mkinstance" ./bench/fs/mkinstance
go build -o "$W/loopback" github.com/hanwen/go-fuse/v2/example/loopback
RUNS=${BENCH_RUNS:-15}
[ -f "$REF/20.fa.gz" ] || { echo "bench: install vt-examples (scripts/deps.sh)" >&2; exit 1; }

# Inputs: the instances, the plain FASTA, the BGZF FASTA with its indexes.
[ -d "$W/chr20" ] || "$W/mkinstance" -out "$W/chr20" -fasta "$REF/20.fa.gz" -namespace bench
[ -d "$W/million" ] || "$W/mkinstance" -out "$W/million" -synthetic "$ALIASES" -namespace many
[ -f "$W/20.fa" ] || zcat "$REF/20.fa.gz" > "$W/20.fa"
mkdir -p "$W/plain" && ln -f "$W/20.fa" "$W/plain/20.fa"
cp -f "$REF/20.fa.gz" "$REF/20.fa.gz.fai" "$W/"
zcat "$REF/20.fa.gz.gzi.gz" > "$W/20.fa.gz.gzi"

MNT=$(mktemp -d -t seqfs-bench-XXXXXX)
LOOP=$(mktemp -d -t seqfs-bench-loop-XXXXXX)
PID=""
LPID=""
stop() {
  if [ -n "$PID" ]; then kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=""; fi
  if mountpoint -q "$MNT"; then umount -l "$MNT" 2>/dev/null || fusermount3 -uz "$MNT" || true; fi
}
stoploop() {
  if mountpoint -q "$LOOP"; then umount -l "$LOOP" 2>/dev/null || fusermount3 -uz "$LOOP" || true; fi
  if [ -n "$LPID" ]; then kill -TERM "$LPID" 2>/dev/null || true; wait "$LPID" 2>/dev/null || true; LPID=""; fi
}
LOOPNP=$(mktemp -d -t seqfs-bench-loopnp-XXXXXX)
trap 'stop; stoploop; rmdir "$MNT" "$LOOP" "$LOOPNP" 2>/dev/null || true' EXIT
startloop() { # mount go-fuse's loopback example of $W/plain on $LOOP and wait
  "$W/loopback" -q -ro "$LOOP" "$W/plain" 2>>"$W/mount.log" &
  LPID=$!
  for _ in $(seq 200); do mountpoint -q "$LOOP" && return 0; sleep 0.05; done
  echo "bench: loopback mount did not come up" >&2; cat "$W/mount.log" >&2; exit 1
}
. bench/mountlib.sh   # start, drop, secs, median, mbps
med() { # med N CMD...: median of N runs
  local n=$1; shift
  for _ in $(seq "$n"); do secs "$@"; echo; done | median
}
row() { printf '%-58s %10s s  %s\n' "$1" "$2" "${3:-}"; }

cat > "$W/pread.py" <<'PY'
import os, random, sys, time
path, n = sys.argv[1], int(sys.argv[2])
fd = os.open(path, os.O_RDONLY)
size = os.fstat(fd).st_size
rnd = random.Random(42)
offs = [rnd.randrange(0, size - 4096) for _ in range(n)]
t = time.perf_counter()
for o in offs:
    if len(os.pread(fd, 4096, o)) != 4096:
        sys.exit("short read")
dt = time.perf_counter() - t
print(f"{dt:.3f} {dt / n * 1e6:.1f}")
PY

cat > "$W/seqread.py" <<'PY'
# seqread.py RUNS NAME=PATH...: read each file whole, RUNS times in turn, with
# 128 KiB and 1 MiB reads; print the median wall and kernel CPU time of each,
# and the first file's speed as a share of each go-fuse loopback's.
import os, resource, statistics, sys, time
runs, files = int(sys.argv[1]), [a.split("=", 1) for a in sys.argv[2:]]
def once(path, bs):
    fd = os.open(path, os.O_RDONLY)
    buf = memoryview(bytearray(bs))
    r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    n = 0
    while (k := os.readv(fd, [buf])) > 0:
        n += k
    dt, r1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF)
    os.close(fd)
    return dt, r1.ru_stime - r0.ru_stime, n
for bs, like in ((128 << 10, "cat"), (1 << 20, "dd bs=1M")):
    res = {name: [] for name, _ in files}
    for _ in range(runs):
        for name, path in files:
            res[name].append(once(path, bs))
    med = {}
    for name, v in res.items():
        med[name] = statistics.median(x[0] for x in v)
        sys_ = statistics.median(x[1] for x in v)
        label = f"warm: {bs >> 10} KiB reads ({like}) of {name}"
        print(f"{label:<58} {med[name]:10.4f} s  {v[0][2] / med[name] / 1e6:.0f} MB/s, kernel CPU {sys_:.4f} s")
    m = files[0][0]
    for name, _ in files[1:]:
        if "loopback" in name:
            print(f"warm {like}: mounted at {100 * med[name] / med[m]:.0f}% of {name} (target >= 90%)")
PY

SIZE=$(stat -c %s "$W/20.fa")
echo "== seqfs FUSE benchmark ($(nproc) CPUs, $(uname -r)); chr20 .fa = $SIZE bytes"

start "$W/chr20"
startloop
FA="$MNT/bench/20.fa"
LFA="$LOOP/20.fa"
cmp -s "$FA" "$W/20.fa" || { echo "bench: mounted 20.fa differs from the local copy" >&2; exit 1; }
cmp -s "$LFA" "$W/20.fa" || { echo "bench: loopback 20.fa differs from the local copy" >&2; exit 1; }
echo "(warm: median of $RUNS alternating runs; cold: median of 3; machine may be shared)"
# (Restarts stay in this shell: a daemon started inside $(...) would hold its pipe open.)
ts=(); for _ in 1 2 3; do stop; start "$W/chr20"; drop; ts+=("$(secs dd if="$FA" of=/dev/null bs=1M)"); done
t=$(printf '%s\n' "${ts[@]}" | median); row "cold: dd bs=1M of mounted 20.fa (fresh daemon, caches dropped)" "$t" "$(mbps "$SIZE" "$t")"
ts=(); for _ in 1 2 3; do stop; cat "$W"/chr20/sequences/*/*/*/* >/dev/null; start "$W/chr20"; ts+=("$(secs dd if="$FA" of=/dev/null bs=1M)"); done
t=$(printf '%s\n' "${ts[@]}" | median); row "cold FUSE cache, instance files cached (fresh daemon)" "$t" "$(mbps "$SIZE" "$t")"
# Warm sequential reads, timed inside one process (no process start-up in
# the figure): 128 KiB reads as cat does and 1 MiB reads as dd bs=1M.
# The loopback example is measured twice. Run by root it hands reads to the
# kernel through FUSE passthrough (Linux >= 6.9), bypassing FUSE's page
# cache: that is the local file's speed. Mounted by root inside a user
# namespace it cannot (passthrough needs CAP_SYS_ADMIN in the initial
# namespace), so its reads take FUSE's own path, as seqfs's do. Both run in
# that namespace, beside the seqfs mount (visible there too).
cat "$FA" "$LFA" "$W/20.fa" >/dev/null
unshare --user --map-root-user --mount bash -c '
  loop=$1 plain=$2 lnp=$3 runs=$4 fa=$5 lfa=$6 local=$7 py=$8
  "$loop" -q -ro -directmountstrict "$lnp" "$plain" & lp=$!
  for _ in $(seq 200); do mountpoint -q "$lnp" && break; sleep 0.05; done
  mountpoint -q "$lnp" || { echo "bench: loopback in a user namespace did not come up" >&2; exit 1; }
  cat "$lnp/20.fa" >/dev/null
  python3 "$py" "$runs" "mounted 20.fa=$fa" "20.fa via go-fuse loopback, passthrough=$lfa" \
    "20.fa via go-fuse loopback, no passthrough=$lnp/20.fa" "local uncompressed 20.fa (no FUSE)=$local"
  umount "$lnp"; wait "$lp" 2>/dev/null || true
' _ "$W/loopback" "$W/plain" "$LOOPNP" "$RUNS" "$FA" "$LFA" "$W/20.fa" "$W/seqread.py"
t=$(med 3 samtools faidx "$W/20.fa.gz" 20); row "samtools faidx 20.fa.gz 20 (local BGZF, warm)" "$t" "$(mbps "$SIZE" "$t")"

stop; start "$W/chr20"; drop
read -r t us < <(python3 "$W/pread.py" "$FA" 10000); row "10,000 random 4-KiB preads, mounted .fa, cold" "$t" "$us us/op"
read -r t us < <(python3 "$W/pread.py" "$FA" 10000); row "10,000 random 4-KiB preads, mounted .fa, warm" "$t" "$us us/op"
read -r t us < <(python3 "$W/pread.py" "$MNT/bench/20.seq" 10000); row "10,000 random 4-KiB preads, mounted .seq, cold" "$t" "$us us/op"
cat "$W/20.fa" >/dev/null
read -r t us < <(python3 "$W/pread.py" "$LFA" 10000); row "10,000 random 4-KiB preads, loopback 20.fa, warm" "$t" "$us us/op"
read -r t us < <(python3 "$W/pread.py" "$W/20.fa" 10000); row "10,000 random 4-KiB preads, local 20.fa, warm" "$t" "$us us/op"
stop; stoploop

start "$W/million"
N=$(ls -f "$MNT/many" | wc -l)
rss() { awk '/VmHWM/ { printf "%.1f MB", $2 / 1024 }' "/proc/$PID/status"; }
stop; start "$W/million"
t=$(secs ls -f "$MNT/many"); row "ls -f of a namespace with $ALIASES aliases ($N entries)" "$t" "daemon peak RSS $(rss)"
if [ "${BENCH_LS_L:-1}" != 0 ]; then
  fuse_inodes() { awk '$1 == "fuse_inode" { print $2 }' /proc/slabinfo 2>/dev/null || echo "?"; }
  stop; start "$W/million"
  t=$(secs ls -l "$MNT/many"); row "ls -l of the same namespace (fresh daemon)" "$t" "daemon peak RSS $(rss), $(fuse_inodes) kernel fuse inodes"
fi
stop
