# mountlib.sh — shell helpers shared by the FUSE benchmarks (bench/fs,
# bench/collection); source it after setting SEQFS (the binary), MNT (the
# mount point) and W (the work directory, which receives mount.log).

# start SOURCE: mount SOURCE on $MNT with a fresh daemon (its pid in PID)
# and wait until the mount is up.
start() {
  "$SEQFS" -s "$1" mount "$MNT" 2>>"$W/mount.log" &
  PID=$!
  for _ in $(seq 200); do mountpoint -q "$MNT" && return 0; sleep 0.05; done
  echo "bench: mount did not come up" >&2; cat "$W/mount.log" >&2; exit 1
}

# drop: empty the page cache (root only), so the next read is cold.
drop() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || echo "(cannot drop caches: cold runs are warm)" >&2; }

# secs CMD...: wall seconds of one run of CMD, its output discarded.
secs() {
  local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N)
  echo "$t0 $t1" | awk '{ printf "%.4f", $2 - $1 }'
}

# median: the median of the numbers on standard input, one a line.
median() { sort -g | awk '{ v[NR] = $1 } END { printf "%.4f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# mbps BYTES SECONDS: a throughput in MB/s.
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.0f MB/s", b / s / 1e6 }'; }
