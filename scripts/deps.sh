#!/usr/bin/env bash
# deps.sh — install everything seqfs needs to build, test and benchmark on a
# fresh Debian machine (run as root; uses sudo otherwise). Idempotent: each
# step is skipped when its tool is already present.
set -euo pipefail

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# Debian packages: FUSE, htslib tools, Redis, SQLite shell, load generators,
# pysam (reads SeqRepo files the way Python SeqRepo does), libdeflate (bgzf
# inflates blocks with it through cgo), rsync (seqfs pull and its test
# daemon), bubblewrap (containers in the cluster tests), util-linux/passwd
# (mount, unshare, setpriv, useradd for those tests) and the legacy tools the
# /collection FASTA is tested with (bwa, bcftools, picard, seqkit).
pkgs=(fuse3 samtools tabix redis-server redis-tools sqlite3 wrk vt vt-examples hyperfine
      python3-pysam python3-yoyo gcc libdeflate-dev ca-certificates curl rsync bubblewrap util-linux mount passwd
      bwa bcftools picard-tools seqkit)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Go toolchain: expected at /usr/local/go (or on PATH).
if ! command -v go >/dev/null 2>&1; then
  if [ -x /usr/local/go/bin/go ]; then export PATH=/usr/local/go/bin:$PATH
  else echo "deps: Go is not installed (need go >= 1.26 on PATH or in /usr/local/go)" >&2; exit 1; fi
fi

# Go tools: staticcheck (the test script) and versitygw (the S3 server the
# s3:// backend's tests start through internal/s3test) are pinned by tool
# directives in tools/go.mod, a module of their own so that their
# dependencies never change the versions seqfs builds with. Nothing is
# installed: "go tool -n" builds each into the Go build cache (fetching
# modules from the Go module proxy on a fresh machine) and prints its path;
# building them here only spares the tests the wait.
root="$(cd "$(dirname "$0")/.." && pwd)"
for tool in staticcheck versitygw; do
  go -C "$root/tools" tool -n "$tool" >/dev/null
done
