#!/usr/bin/env bash
# run.sh — every benchmark, each printing seqfs's figures beside its peers'
# (samtools, bgzip, raw GETRANGE, a net/http ceiling, …). Run via `make bench`
# (which installs the dependencies and builds bin/seqfs first). Pass names
# to run only some: bench/run.sh fetch rest
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/bin:$PATH"
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  # inflate runs fetch, fs and s3 and sums up their inflate figures.
  names=(inflate collection rest redis cache federation seqcol)
fi
status=0
for n in "${names[@]}"; do
  echo "=================== bench: $n ==================="
  if [ -f "bench/$n/run.sh" ]; then
    bash "bench/$n/run.sh" || { echo "bench $n failed" >&2; status=1; }
  elif [ -f "bench/$n/main.go" ]; then
    go run "./bench/$n" || { echo "bench $n failed" >&2; status=1; }
  else
    echo "bench: no bench/$n" >&2; status=1
  fi
done
exit $status
