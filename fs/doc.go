// Package fs serves any repo.Source as a read-only FUSE file system
// (github.com/hanwen/go-fuse/v2):
//
//	/<namespace>/<alias>.fa       FASTA, header ">alias", fixed line width (default 60)
//	/<namespace>/<alias>.fa.fai   the faidx index of exactly that file
//	/<namespace>/<alias>.dict     its sequence dictionary (SN, LN, M5, UR); also <alias>.fa.dict
//	/<namespace>/<alias>.seq      the raw sequence: no header, no newlines, size = length
//	/digest/SQ.<id>.fa            the same four files by GA4GH identifier
//	/collection/<name>.fa         a sequence collection (genome) as one FASTA,
//	                              with .fa.fai, .dict and .fa.dict; also by
//	                              seqcol digest: /collection/<digest>.fa
//
// Every namespace of the source is a directory of the root, and so is each
// of SeqRepo's API names (refseq, ensembl, lrg, ga4gh, sha512t24u) whose
// DB namespace exists (NCBI, Ensembl, LRG, VMC). /MD5/<md5>.seq is what
// htslib wants for REF_PATH=MOUNT/MD5/%s.seq. The size of every file, .dict
// included, is known without a digest lookup; a .dict's MD5 is looked up
// when it is read. Its UR is a file:// URI, percent-encoded.
//
// Sizes are exact without reading any sequence; a read of bytes [o, o+n)
// of a .fa is one subsequence fetch plus inserted newlines. Content is
// immutable, so files are opened with FOPEN_KEEP_CACHE and the kernel keeps
// entries, attributes and negative lookups for a long time (Options.Timeout).
// Directory listings stream from the source (Source.NamespaceAliases) and
// never hold a namespace in memory. Lookups are bounded too: every name
// the kernel looks up (ls -l looks up all of them) is a node in the daemon
// until the kernel forgets it, so beyond Options.MaxNodes looked-up files
// the daemon asks the kernel to drop its oldest entries (files in use
// stay open and readable; a dropped name is simply looked up again).
// While a lister stats what it lists (ls -l), the kernel asks for names
// with their attributes in the listing itself (READDIRPLUS in its adaptive
// mode), which saves one LOOKUP round trip per file; a plain listing (ls,
// find) gets names only, so it looks nothing up.
//
// Aliases that cannot be file names are escaped by EscapeStem: '%', '/' and
// NUL become "%25", "%2F" and "%00"; over-long names are cut and end in
// "%~" plus a hash of the alias. The FASTA header carries the real alias
// (with CR/LF replaced by spaces); the .fai and .dict name the record by the
// first word of the header, as samtools does.
//
// A collection's FASTA has one record per sequence in collection order,
// headed ">name". Its size follows from the names and lengths; a read
// finds the first record it touches by binary search and fetches one
// subsequence per record it spans. A digest's files never change; a name
// can move to another collection, so the kernel caches a name's entry for
// at most a minute (collectionNameTTL) and the name then resolves to the
// new collection's files (other inodes, with their own page cache). New
// names appear after the negative-lookup timeout (Options.Timeout).
//
// With Options.SidecarDir (mount --sidecar-dir) the tree accepts new
// files: what tools create beside the served files (bwa index's
// .amb/.ann/.bwt/.pac/.sa, seqkit's .seqkit.fai, temporary files renamed
// into place) is stored in that directory under the same relative path and
// served back by every later mount with the same directory. Served files
// stay read-only (EROFS), except that an index (.fa.fai, .dict) of a
// collection may be rewritten with exactly its content, as `samtools
// faidx FILE` without a region does.
package fs
