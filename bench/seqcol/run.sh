#!/usr/bin/env bash
# seqcol benchmark: latency of GET /collection/{digest} (level 2) and
# GET /comparison/{a}/{b} for a 700-sequence assembly served by `seqfs
# serve`, beside the refget peer GET /sequence/{md5}?start=0&end=100 on the
# same server; wrk (THREADS threads, CONNECTIONS connections, DURATION each)
# with --latency, each endpoint REPEAT times in turn, the medians of p50 and
# p99 printed side by side. Target: p99 < 5 ms. One connection by default:
# this measures a request's latency, not queueing behind others on a
# shared machine.
#
# The assembly is synthetic (deterministic): 700 sequences of 1,000 to
# 10,000 residues loaded from synth700.fa (collection "synth700"), and the
# same sequences under other names in reverse order from
# synth700-renamed.fa (collection "synth700-renamed"), the comparison's
# other side.
#
# usage: bench/seqcol/run.sh
# env: SEQFS_BIN (a prebuilt seqfs; default: go build), DURATION (10s),
#      THREADS (1), CONNECTIONS (1), REPEAT (3), PORT (15610)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
DURATION=${DURATION:-10s} THREADS=${THREADS:-1} CONNECTIONS=${CONNECTIONS:-1} REPEAT=${REPEAT:-3} PORT=${PORT:-15610}
command -v wrk >/dev/null || { echo "wrk not installed (scripts/deps.sh)" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

if [ -n "${SEQFS_BIN:-}" ]; then cp "$SEQFS_BIN" "$work/seqfs"; else (cd "$root" && go build -o "$work/seqfs" ./cmd/seqfs); fi
seqfs() { "$work/seqfs" "$@"; }

# 700 records with deterministic residues, 60 per line; then the same
# records renamed seqN -> chrN, in reverse order.
awk 'BEGIN {
  x = 12345
  for (i = 1; i <= 700; i++) {
    print ">seq" i
    len = 1000 + (i * 7919) % 9000
    line = ""
    for (j = 0; j < len; j++) {
      x = (x * 1103515245 + 12345) % 2147483648
      line = line substr("ACGT", int(x / 65536) % 4 + 1, 1)
      if (length(line) == 60) { print line; line = "" }
    }
    if (line != "") print line
  }
}' > "$work/synth700.fa"
awk '/^>/ { n++; start[n] = NR; sub(/^>seq/, ">chr") } { l[NR] = $0 } END {
  start[n + 1] = NR + 1
  for (i = n; i >= 1; i--) for (k = start[i]; k < start[i + 1]; k++) print l[k]
}' "$work/synth700.fa" > "$work/synth700-renamed.fa"

seqfs -r "$work" init -i inst >/dev/null
seqfs -r "$work" load -i inst -n bench "$work/synth700.fa" "$work/synth700-renamed.fa" >/dev/null
inst=$work/inst
a=$(seqfs -s "$inst" collection synth700 --level 0)
b=$(seqfs -s "$inst" collection synth700-renamed --level 0)
n=$(seqfs -s "$inst" collections | awk '$1 == "synth700" {print $3}')
[ "$n" = 700 ] || { echo "collection synth700 has $n sequences, want 700" >&2; exit 1; }
md5=$(seqfs -s "$inst" info bench:seq1 | grep -o '"MD5:[0-9a-f]*"' | tr -d '"' | cut -d: -f2)

"$work/seqfs" -s "$inst" serve --listen 127.0.0.1:$PORT --access-log "$work/access.log" >"$work/serve.err" 2>&1 & pids+=($!)
for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break; sleep 0.1; done
base=http://127.0.0.1:$PORT
for u in "/collection/$a" "/comparison/$a/$b" "/sequence/$md5?start=0&end=100"; do
  curl -fsS -o /dev/null "$base$u" || { echo "GET $u failed" >&2; cat "$work/serve.err" >&2; exit 1; }
done
curl -fsS "$base/comparison/$a/$b" | grep -q '"sorted_sequences":true' || { echo "comparison: shared sequences not found" >&2; exit 1; }

run() { wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$base$1" > "$work/$2.$3.txt"; }
for i in $(seq "$REPEAT"); do
  run "/collection/$a" collection "$i"
  run "/comparison/$a/$b" comparison "$i"
  run "/sequence/$md5?start=0&end=100" sequence "$i"
done

ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v/1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v } else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v*1000 } }'; }
# server P ROUTE: percentile P of the server-side time (access log "ms") of
# a route, over all runs: what the server spent, without the client's share.
server() {
  jq -r --arg r "$2" 'select(.route == $r) | .ms' "$work/access.log" | sort -g |
    awk -v p="$1" '{v[NR] = $1} END { i = int(NR * p / 100); if (i < 1) i = 1; printf "%.3f", v[i] }'
}
# median E FIELD: the median over the repeats of a figure of endpoint E
# (a latency percentile like 99% in ms, or Requests/sec:).
median() {
  for f in "$work/$1".*.txt; do
    if [ "$2" = "Requests/sec:" ]; then awk '$1 == "Requests/sec:" {print $2}' "$f"
    else ms "$(awk -v p="$2" '$1 == p {print $2}' "$f")"; echo; fi
  done | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}
errs() { cat "$work/$1".*.txt | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' '; }

echo "700-sequence collection $a vs $b"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $REPEAT runs each; medians of wrk's figures, server-side percentiles over all runs (ms):"
printf '%-36s %12s %10s %10s %12s %12s  %s\n' endpoint "requests/s" "p50 ms" "p99 ms" "server p50" "server p99" errors
status=0
for e in collection comparison sequence; do
  case $e in
    collection) label="GET /collection/{d} (level 2)" route="GET /collection/{digest}" ;;
    comparison) label="GET /comparison/{a}/{b}" route="GET /comparison/{a}/{b}" ;;
    sequence) label="GET /sequence/{md5} 100 bp (peer)" route="GET /sequence/{id}" ;;
  esac
  p99=$(median $e 99%)
  printf '%-36s %12s %10s %10s %12s %12s  %s\n' "$label" "$(median $e Requests/sec:)" "$(median $e 50%)" "$p99" \
    "$(server 50 "$route")" "$(server 99 "$route")" "$(errs $e)"
  if [ "$e" != sequence ] && ! awk -v x="$p99" 'BEGIN { exit !(x < 5) }'; then
    echo "  $e p99 $p99 ms is not under 5 ms" >&2; status=1
  fi
done
exit $status
