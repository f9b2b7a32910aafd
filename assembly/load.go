package assembly

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"slices"

	"github.com/seqfs/seqfs/repo"
)

// Target is the instance add-assembly-names writes to (a SeqRepo Writer):
// its reads see committed data, its writes are staged until Commit.
type Target interface {
	FindAliases(ctx context.Context, q repo.AliasQuery) iter.Seq2[repo.Alias, error]
	Info(ctx context.Context, seqID string) (repo.Info, error)
	// StoreAliases binds aliases to a stored sequence with SeqRepo's
	// store_alias rules (see seqrepo.Writer.StoreAliases).
	StoreAliases(ctx context.Context, seqID string, aliases []repo.NSAlias) (int, error)
	repo.CollectionWriter
	Commit(ctx context.Context) error
}

// Options are add-assembly-names' switches.
type Options struct {
	ReloadAll   bool // also load assemblies whose name already is a namespace
	PartialLoad bool // load the aliases of assemblies the instance holds only partly
	DryRun      bool // stage everything but commit nothing
}

// Result says what Load did with one assembly.
type Result struct {
	Assembly string
	// Present is true when the assembly's name already was a namespace.
	Present bool
	// Missing lists the "=" / "<>" sequences whose RefSeq accession is
	// not an NCBI alias in the instance ("NC_…", or "<name> (no RefSeq
	// accession)").
	Missing []string
	// AliasesSkipped says why no aliases were stored; "" when they were.
	AliasesSkipped string
	// Sequences is the number of sequences whose aliases were stored, and
	// AliasesAdded how many bindings that added or changed.
	Sequences, AliasesAdded int
	// Collections are the collections stored (or already stored).
	Collections []StoredCollection
	// SkippedCollections explains the collections not made.
	SkippedCollections []string
}

// StoredCollection is one collection Load stored.
type StoredCollection struct {
	Name      string
	Digest    string
	Sequences int
	Residues  int64
	Unchanged bool // the name was already bound to this collection
}

// Load is SeqRepo's add-assembly-names, plus collections. For each
// assembly in name order (byte order, as Python sorts):
//
//   - unless opts.ReloadAll, an assembly whose name already is a namespace
//     (any alias row, current or not) gets no aliases;
//   - its sequences with relationship "=" or "<>" are looked up by RefSeq
//     accession among the instance's NCBI aliases, current or not (for an
//     accession bound over time to several sequences the greatest seq_id
//     wins, as in SeqRepo's dictionary built from rows ordered by seq_id);
//   - if some are missing it gets no aliases unless opts.PartialLoad;
//   - otherwise each found sequence gets the aliases <assembly>:<name> and
//     <assembly>:<each alias>, stored in that order with store_alias's
//     rules;
//   - the collections of Assembly.Collections are stored;
//   - everything is committed, one commit per assembly (none with DryRun).
//
// The alias rows it writes equal those Python SeqRepo writes. Assemblies
// are checked (Validate, unique names) before anything is written. On an
// error the assembly being loaded is left staged, to be discarded by
// closing t without a commit; those before it are committed.
func Load(ctx context.Context, t Target, assemblies []*Assembly, opts Options) ([]Result, error) {
	sorted := slices.Clone(assemblies)
	slices.SortFunc(sorted, func(a, b *Assembly) int { return cmp.Compare(a.Name, b.Name) })
	for i, a := range sorted {
		if err := a.Validate(); err != nil {
			return nil, err
		}
		if i > 0 && sorted[i-1].Name == a.Name {
			return nil, fmt.Errorf("assembly %s is given twice", a.Name)
		}
	}
	// Like SeqRepo, decide which assemblies are present before loading any.
	present := make([]bool, len(sorted))
	for i, a := range sorted {
		p, err := namespaceExists(ctx, t, a.Name)
		if err != nil {
			return nil, err
		}
		present[i] = p
	}
	var results []Result
	for i, a := range sorted {
		r, err := loadOne(ctx, t, a, present[i], opts)
		if err != nil {
			return results, err
		}
		results = append(results, r)
	}
	return results, nil
}

// loadOne loads one assembly; see Load.
func loadOne(ctx context.Context, t Target, a *Assembly, present bool, opts Options) (Result, error) {
	r := Result{Assembly: a.Name, Present: present}
	eq := a.Loadable()
	if len(eq) == 0 {
		r.AliasesSkipped = "no sequences with relationship = or <>"
		slog.Info("no '=' sequences to load; skipping", "assembly", a.Name)
		return r, nil
	}
	held := make(map[string]Member, len(eq))
	for _, s := range eq {
		m, ok, err := lookupNCBI(ctx, t, s.RefSeqAC)
		if err != nil {
			return r, err
		}
		if !ok {
			if s.RefSeqAC == "" {
				r.Missing = append(r.Missing, s.Name+" (no RefSeq accession)")
			} else {
				r.Missing = append(r.Missing, s.RefSeqAC)
			}
			continue
		}
		held[s.RefSeqAC] = m
	}
	switch {
	case present && !opts.ReloadAll:
		r.AliasesSkipped = "already present as a namespace (--reload-all reloads it)"
	case len(r.Missing) > 0:
		slog.Warn("assembly references accessions not in the instance", "assembly", a.Name,
			"missing", len(r.Missing), "examples", examples(r.Missing))
		if !opts.PartialLoad {
			r.AliasesSkipped = fmt.Sprintf("the instance lacks %d of its %d sequences (--partial-load loads the others)", len(r.Missing), len(eq))
			slog.Warn("skipping assembly aliases (--partial-load to enable partial loading)", "assembly", a.Name)
		}
	}
	if r.AliasesSkipped == "" {
		for _, s := range eq {
			m, ok := held[s.RefSeqAC]
			if !ok {
				continue
			}
			nsa := make([]repo.NSAlias, 0, 1+len(s.Aliases))
			for _, al := range append([]string{s.Name}, s.Aliases...) {
				nsa = append(nsa, repo.NSAlias{Namespace: a.Name, Alias: al})
			}
			n, err := t.StoreAliases(ctx, m.SeqID, nsa)
			if err != nil {
				return r, fmt.Errorf("assembly %s sequence %s: %w", a.Name, s.Name, err)
			}
			r.Sequences++
			r.AliasesAdded += n
		}
		slog.Info("loaded assembly aliases", "assembly", a.Name, "sequences", r.Sequences, "added", r.AliasesAdded)
	}
	cols, skipped, err := a.Collections(held)
	if err != nil {
		return r, err
	}
	r.SkippedCollections = skipped
	for _, nc := range cols {
		sc, err := storeCollection(ctx, t, nc)
		if err != nil {
			return r, fmt.Errorf("assembly %s: %w", a.Name, err)
		}
		r.Collections = append(r.Collections, sc)
	}
	if !opts.DryRun {
		if err := t.Commit(ctx); err != nil {
			return r, fmt.Errorf("commit assembly %s: %w", a.Name, err)
		}
	}
	return r, nil
}

// storeCollection stores nc unless its name is already bound to it.
func storeCollection(ctx context.Context, t Target, nc NamedCollection) (StoredCollection, error) {
	sc := StoredCollection{Name: nc.Name, Digest: nc.Collection.Digest(), Sequences: nc.Collection.Len(), Residues: nc.Collection.Residues()}
	if cs, ok := t.(repo.CollectionSource); ok {
		_, d, err := cs.Collection(ctx, nc.Name)
		switch {
		case err == nil && d == sc.Digest:
			sc.Unchanged = true
			return sc, nil
		case err != nil && !errors.Is(err, repo.ErrNotFound):
			return sc, fmt.Errorf("look up collection %s: %w", nc.Name, err)
		}
	}
	d, err := t.StoreCollection(ctx, nc.Name, nc.Collection)
	if err != nil {
		return sc, fmt.Errorf("store collection %s: %w", nc.Name, err)
	}
	if d != sc.Digest {
		return sc, fmt.Errorf("store collection %s: digest %s, want %s", nc.Name, d, sc.Digest)
	}
	return sc, nil
}

// namespaceExists reports whether any alias row, current or not, has
// namespace ns (SeqRepo: select distinct namespace from seqalias). ns
// holds no '%' (CheckName), so it is matched exactly.
func namespaceExists(ctx context.Context, t Target, ns string) (bool, error) {
	for _, err := range t.FindAliases(ctx, repo.AliasQuery{Namespace: ns, IncludeHistoric: true}) {
		if err != nil {
			return false, fmt.Errorf("look up namespace %s: %w", ns, err)
		}
		return true, nil
	}
	return false, nil
}

// lookupNCBI finds the sequence an NCBI accession names: among its alias
// rows, current or not, ordered by seq_id, the last one's. An accession
// that is empty or contains '%' (no NCBI alias can) names nothing.
func lookupNCBI(ctx context.Context, t Target, ac string) (Member, bool, error) {
	if ac == "" || repo.IsPattern(ac) {
		return Member{}, false, nil
	}
	var id string
	for a, err := range t.FindAliases(ctx, repo.AliasQuery{Namespace: "NCBI", Alias: ac, IncludeHistoric: true}) {
		if err != nil {
			return Member{}, false, fmt.Errorf("look up NCBI:%s: %w", ac, err)
		}
		id = a.SeqID
	}
	if id == "" {
		return Member{}, false, nil
	}
	info, err := t.Info(ctx, id)
	if err != nil {
		return Member{}, false, fmt.Errorf("NCBI:%s names sequence %s: %w", ac, id, err)
	}
	return Member{SeqID: id, Length: info.Length}, true, nil
}
