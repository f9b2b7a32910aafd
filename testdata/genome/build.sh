#!/bin/sh
# Builds the seqfs test genome instance (see README) from real data:
# GRCh37 chromosome 20 from Debian's vt-examples and yeast chromosomes I
# and VI plus phage phiX174 from the bundled sample instance, each loaded
# under its RefSeq accession in namespace NCBI, as SeqRepo instances hold
# them. With --assembly it also runs add-assembly-names with this
# directory's assembly report, which adds the seqfsTest1 aliases and the
# eight seqfsTest1 collections.
#
# usage: build.sh [--assembly] SEQFS_BINARY ROOT_DIRECTORY
#   creates ROOT_DIRECTORY/master (ROOT_DIRECTORY/master must not exist)
set -eu
assembly=0
if [ "${1:-}" = "--assembly" ]; then assembly=1; shift; fi
[ $# -eq 2 ] || { echo "usage: $0 [--assembly] SEQFS_BINARY ROOT_DIRECTORY" >&2; exit 2; }
seqfs=$1 root=$2
here=$(cd "$(dirname "$0")" && pwd)
sample="$here/../yeast-phix-2019/master"
chr20=${SEQFS_CHR20:-/usr/share/doc/vt/examples/ref/20.fa.gz}
[ -f "$chr20" ] || { echo "$0: $chr20 missing: install vt-examples (scripts/deps.sh)" >&2; exit 1; }
[ ! -e "$root/master" ] || { echo "$0: $root/master exists" >&2; exit 1; }

"$seqfs" -r "$root" init -i master >/dev/null
# One load, in the report's order, so it records collection "testgenome":
# chr20 (whose only record is named "20") renamed to its RefSeq accession,
# then the sample's yeast I, VI and phiX, held there under long "test"
# deflines, exported by seq_id and named by their RefSeq accessions.
{
	gzip -dc "$chr20" | sed '1s/^>20$/>NC_000020.10/'
	for pair in lZyxiD_ByprhOUzrR1o1bq0ezO_1gkrn:NC_001133.9 \
		z-qJgWoacRBV77zcMgZN9E_utrdzmQsH:NC_001138.5 \
		IIXILYBQCpHdC4qpI3sOQ_HAeAm9bmeF:NC_001422.1; do
		id=${pair%%:*} ac=${pair#*:}
		"$seqfs" -s "$sample" export -n VMC "GS_$id" | sed "1s/.*/>$ac/"
	done
} | "$seqfs" -r "$root" load -i master -n NCBI --collection testgenome -
if [ $assembly = 1 ]; then
	"$seqfs" -r "$root" add-assembly-names -i master --assembly-report "$here/test_assembly_report.txt"
fi
