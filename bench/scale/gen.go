package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/seqfs/seqfs/backends/seqrepo"
	"github.com/seqfs/seqfs/bgzf"
	"github.com/seqfs/seqfs/faidx"
	"github.com/seqfs/seqfs/repo"
)

// The 2024-02-20 release of SeqRepo: 1,143,253 sequences and 5,860,851
// aliases in 35 namespaces, four of which (MD5, SEGUID, SHA1, VMC) hold one
// digest alias per sequence.
const (
	releaseSequences = 1_143_253
	releaseAliases   = 5_860_851
	// listingAliases is the size of the namespace "bench" that the
	// benchmark lists through the mount; it has this size in every
	// instance, so the listings compare one to one.
	listingAliases = 100_000
	// seqsPerFile is SeqRepo's commit batch: one .fa.bgz per batch.
	seqsPerFile = 20_000
	// addedStamp is the added column of every row.
	addedStamp = "2024-02-20 00:00:00"
	// listingNS is the namespace listed by the benchmark.
	listingNS = "bench"
)

// otherNamespaces are the 30 namespaces besides the digests and "bench",
// with their share of the non-digest aliases (NCBI and Ensembl hold most,
// as in the release; the rest are assembly-style namespaces).
var otherNamespaces = func() []nsShare {
	out := []nsShare{{"NCBI", 0.59, "NM_%09d.1"}, {"Ensembl", 0.38, "ENST%011d.1"}}
	small := []string{"LRG", "GRCh38", "GRCh37", "GRCh38.p14", "GRCh37.p13", "hg19", "hg38", "GRCm39",
		"GRCm38", "mm10", "mm39", "CHM1.1", "CHM13v2.0", "T2T-CHM13v2.0", "KY962518.1", "NCBI36",
		"NCBI35", "NCBI34", "hs37d5", "Rnor_6.0", "mRatBN7.2", "GRCz11", "BDGP6", "WBcel235",
		"R64-1-1", "TAIR10", "refseq-pending", "gnomAD"}
	for _, ns := range small {
		out = append(out, nsShare{ns, 0.03 / float64(len(small)), "chr%d"})
	}
	return out
}()

type nsShare struct {
	name   string
	share  float64
	format string
}

// shape is the number of rows of an instance with n sequences.
type shape struct {
	sequences int
	// perNS is the alias count of each non-digest namespace.
	perNS map[string]int
	order []nsShare
}

func newShape(n int) shape {
	nonDigest := float64(releaseAliases-4*releaseSequences-listingAliases) * float64(n) / releaseSequences
	s := shape{sequences: n, perNS: map[string]int{}, order: otherNamespaces}
	for _, o := range otherNamespaces {
		s.perNS[o.name] = max(1, int(nonDigest*o.share+0.5))
	}
	return s
}

// aliases returns the total alias rows.
func (s shape) aliases() int {
	t := 4*s.sequences + listingAliases
	for _, v := range s.perNS {
		t += v
	}
	return t
}

// generate writes an instance with n synthetic sequences at dir: the
// databases are created by seqrepo.CreateInstance (SeqRepo's exact DDL and
// yoyo records), filled in bulk with their indexes dropped and then
// recreated from the DDL that CreateInstance stored (no ANALYZE: SeqRepo's
// databases carry no planner statistics, so neither do these), and the sequences go
// to BGZF files of seqsPerFile records with .fai and .gzi, as SeqRepo
// writes them. Sequence i is seeded by i, so an instance is reproducible.
func generate(ctx context.Context, dir string, n int) error {
	start := time.Now()
	if err := seqrepo.CreateInstance(ctx, dir); err != nil {
		return err
	}
	ids, md5s, err := writeSequences(ctx, dir, n)
	if err != nil {
		return err
	}
	logf("%s: %d sequences written in %.1f s", dir, n, time.Since(start).Seconds())
	if err := fillAliases(ctx, dir, newShape(n), ids, md5s); err != nil {
		return err
	}
	logf("%s: complete in %.1f s", dir, time.Since(start).Seconds())
	return nil
}

// seqLen gives sequence i a length between 100 and 600.
func seqLen(r *rand.Rand) int { return 100 + r.IntN(501) }

// sequenceOf returns the residues of sequence i.
func sequenceOf(i int, buf []byte) []byte {
	r := rand.New(rand.NewPCG(uint64(i), 0x5e9))
	n := seqLen(r)
	buf = buf[:0]
	for len(buf) < n {
		v := r.Uint64()
		for k := 0; k < 32 && len(buf) < n; k++ {
			buf = append(buf, "ACGT"[v&3])
			v >>= 2
		}
	}
	return buf
}

// writeSequences writes the FASTA files and seqinfo rows; it returns the
// seq_ids and MD5 digests by sequence number.
func writeSequences(ctx context.Context, dir string, n int) (ids, md5s []string, err error) {
	db, err := bulkOpen(seqrepo.SeqInfoDBPath(dir))
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, `insert into seqinfo (seq_id, len, alpha, added, relpath) values (?, ?, 'ACGT', ?, ?)`)
	if err != nil {
		return nil, nil, err
	}
	ids, md5s = make([]string, n), make([]string, n)
	var buf []byte
	for first := 0; first < n; first += seqsPerFile {
		rel := fmt.Sprintf("2024/0220/0000/%d.fa.bgz", first/seqsPerFile)
		f, err := newFastaFile(filepath.Join(seqrepo.SequencesPath(dir), filepath.FromSlash(rel)))
		if err != nil {
			return nil, nil, err
		}
		for i := first; i < min(n, first+seqsPerFile); i++ {
			buf = sequenceOf(i, buf)
			d, err := repo.ComputeDigests(buf)
			if err != nil {
				return nil, nil, err
			}
			ids[i], md5s[i] = d.SeqID, d.MD5
			if err := f.add(d.SeqID, buf); err != nil {
				return nil, nil, err
			}
			if _, err := ins.ExecContext(ctx, d.SeqID, len(buf), addedStamp, rel); err != nil {
				return nil, nil, fmt.Errorf("insert seqinfo: %w", err)
			}
		}
		if err := f.close(); err != nil {
			return nil, nil, err
		}
	}
	return ids, md5s, tx.Commit()
}

// fastaFile is one BGZF FASTA being written, 100 residues a line.
type fastaFile struct {
	path string
	f    *os.File
	buf  *bufio.Writer
	bw   *bgzf.Writer
	off  int64
	fai  []faidx.Record
	line []byte
}

func newFastaFile(path string) (*fastaFile, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	b := bufio.NewWriterSize(f, 1<<20)
	return &fastaFile{path: path, f: f, buf: b, bw: bgzf.NewWriter(b, 0)}, nil
}

func (f *fastaFile) add(id string, seq []byte) error {
	const width = 100
	f.line = append(f.line[:0], '>')
	f.line = append(f.line, id...)
	f.line = append(f.line, '\n')
	hdr := int64(len(f.line))
	for i := 0; i < len(seq); i += width {
		f.line = append(f.line, seq[i:min(i+width, len(seq))]...)
		f.line = append(f.line, '\n')
	}
	lb := int64(min(len(seq), width))
	f.fai = append(f.fai, faidx.Record{Name: id, Length: int64(len(seq)), Offset: f.off + hdr, LineBases: lb, LineWidth: lb + 1})
	f.off += int64(len(f.line))
	_, err := f.bw.Write(f.line)
	return err
}

func (f *fastaFile) close() error {
	if err := f.bw.Close(); err != nil {
		return fmt.Errorf("compress %s: %w", f.path, err)
	}
	if err := f.buf.Flush(); err != nil {
		return err
	}
	if err := f.f.Close(); err != nil {
		return err
	}
	var fai strings.Builder
	if err := faidx.Write(&fai, f.fai); err != nil {
		return err
	}
	if err := os.WriteFile(f.path+".fai", []byte(fai.String()), 0o444); err != nil {
		return err
	}
	gzi, err := f.bw.Index().MarshalBinary()
	if err != nil {
		return err
	}
	if err := os.WriteFile(f.path+".gzi", gzi, 0o444); err != nil {
		return err
	}
	return os.Chmod(f.path, 0o444)
}

// fillAliases writes every alias row: four digests per sequence, the
// "bench" namespace (listingAliases aliases spread over the sequences) and
// the other namespaces.
func fillAliases(ctx context.Context, dir string, s shape, ids, md5s []string) error {
	db, err := bulkOpen(seqrepo.AliasesDBPath(dir))
	if err != nil {
		return err
	}
	defer db.Close()
	ddl, err := dropIndexes(ctx, db, "seqalias")
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, `insert into seqalias (seq_id, namespace, alias, added, is_current) values (?, ?, ?, ?, 1)`)
	if err != nil {
		return err
	}
	add := func(id, ns, alias string) error {
		if _, err := ins.ExecContext(ctx, id, ns, alias, addedStamp); err != nil {
			return fmt.Errorf("insert alias %s:%s: %w", ns, alias, err)
		}
		return nil
	}
	n := len(ids)
	for i, id := range ids {
		d := repo.Digests{SeqID: id, MD5: md5s[i]}
		// SHA1 and SEGUID are not needed by any benchmark: derive stable
		// placeholders of the right form from the seq_id.
		sha1 := fmt.Sprintf("%040x", []byte(id)[:20])
		for _, a := range [][2]string{{"MD5", d.MD5}, {"SEGUID", id[:27]}, {"SHA1", sha1}, {"VMC", d.VMC()}} {
			if err := add(id, a[0], a[1]); err != nil {
				return err
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for k := range listingAliases {
		if err := add(ids[k%n], listingNS, fmt.Sprintf("BN_%07d.1", k)); err != nil {
			return err
		}
	}
	for _, o := range s.order {
		off := r.IntN(n)
		for k := range s.perNS[o.name] {
			if err := add(ids[(off+k)%n], o.name, fmt.Sprintf(o.format, k+1)); err != nil {
				return err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	t := time.Now()
	for _, q := range ddl {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("create index: %w", err)
		}
	}
	logf("%s: %d aliases, indexes built in %.1f s", dir, s.aliases(), time.Since(t).Seconds())
	return nil
}

// bulkOpen opens a database for a one-shot bulk load: no journal, no sync.
func bulkOpen(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=OFF&_sync=OFF")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`PRAGMA cache_size = -1048576`); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// dropIndexes drops the indexes of table and returns their DDL (as stored
// in sqlite_master) to recreate them after the load.
func dropIndexes(ctx context.Context, db *sql.DB, table string) ([]string, error) {
	rows, err := db.QueryContext(ctx, `select name, sql from sqlite_master where type = 'index' and tbl_name = ? and sql is not null`, table)
	if err != nil {
		return nil, err
	}
	var names, ddl []string
	for rows.Next() {
		var n, q string
		if err := rows.Scan(&n, &q); err != nil {
			rows.Close()
			return nil, err
		}
		names, ddl = append(names, n), append(ddl, q)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, n := range names {
		if _, err := db.ExecContext(ctx, `drop index "`+n+`"`); err != nil {
			return nil, err
		}
	}
	return ddl, nil
}
