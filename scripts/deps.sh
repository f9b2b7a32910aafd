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

# Go tools used by the test script.
GOBIN="$(go env GOPATH)/bin"
if [ ! -x "$GOBIN/staticcheck" ]; then
  echo "deps: installing staticcheck" >&2
  go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
fi

# S3 server for the s3:// backend's tests (internal/s3test starts it).
if [ ! -x "$GOBIN/versitygw" ]; then
  echo "deps: installing versitygw" >&2
  (cd / && GOFLAGS=-mod=mod go install github.com/versity/versitygw/cmd/versitygw@v1.8.0)
fi
