package refget

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/seqfs/seqfs/repo"
)

// Sequence collections through the refget v2 façade: a server that also
// speaks GA4GH seqcol 1.0 (such as `seqfs serve`) serves its collections
// at /collection/{digest}?level=2 and lists them at /list/collection.
// seqcol looks collections up by digest only, so a name finds nothing
// through the façade; listings carry no names and no added times. The
// seqrepo-rest-service façade holds no collections (repo.ErrUnsupported).

var _ repo.CollectionSource = (*Source)(nil)

// Limits of seqcol responses.
const (
	maxSeqcolBytes   = 256 << 20 // one level-2 collection
	seqcolPageSize   = 1000      // digests per /list/collection page
	maxSeqcolListing = 1 << 20   // digests in a whole listing
)

// seqcolLevel2 is the part of a level-2 collection object the façade uses.
type seqcolLevel2 struct {
	Names     []string `json:"names"`
	Lengths   []int64  `json:"lengths"`
	Sequences []string `json:"sequences"`
}

// seqcolPage is one page of /list/collection.
type seqcolPage struct {
	Results    []string `json:"results"`
	Pagination struct {
		Total int `json:"total"`
	} `json:"pagination"`
}

// seqcolSupported reports a façade whose server cannot serve seqcol.
func (s *Source) seqcolSupported() error {
	if _, ok := s.proto.(refgetV2); !ok {
		return fmt.Errorf("%s: a seqrepo-rest-service holds no sequence collections: %w", s.name, repo.ErrUnsupported)
	}
	return nil
}

// getJSON fetches u and decodes its JSON body into v.
func (s *Source) getJSON(ctx context.Context, u string, v any) error {
	return s.c.get(ctx, u, "application/json", func(resp *http.Response) error {
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxSeqcolBytes+1))
		if err != nil {
			return &retryable{err: fmt.Errorf("GET %s: read body: %w", u, err)}
		}
		if len(body) > maxSeqcolBytes {
			return repo.Corrupt("GET "+u, fmt.Errorf("response exceeds %d bytes", maxSeqcolBytes))
		}
		if err := json.Unmarshal(body, v); err != nil {
			return repo.Corrupt("GET "+u, err)
		}
		return nil
	})
}

// Collection implements repo.CollectionSource by digest: the server's
// level-2 collection, checked against the digest asked for.
func (s *Source) Collection(ctx context.Context, nameOrDigest string) (repo.Collection, string, error) {
	if err := s.seqcolSupported(); err != nil {
		return repo.Collection{}, "", err
	}
	if !repo.IsCollectionDigest(nameOrDigest) {
		return repo.Collection{}, "", &repo.CollectionNotFoundError{Ref: nameOrDigest}
	}
	u := s.base + "/collection/" + url.PathEscape(nameOrDigest) + "?level=2"
	var doc seqcolLevel2
	if err := s.getJSON(ctx, u, &doc); err != nil {
		if errors.Is(err, repo.ErrNotFound) {
			return repo.Collection{}, "", fmt.Errorf("%w (%w)", &repo.CollectionNotFoundError{Ref: nameOrDigest}, err)
		}
		return repo.Collection{}, "", err
	}
	c := repo.Collection{Names: doc.Names, Lengths: doc.Lengths, SeqIDs: make([]string, len(doc.Sequences))}
	for i, sq := range doc.Sequences {
		id, ok := strings.CutPrefix(sq, "SQ.")
		if !ok {
			return repo.Collection{}, "", repo.Corrupt("GET "+u, fmt.Errorf("sequence %q is not an SQ. digest", sq))
		}
		c.SeqIDs[i] = id
	}
	if err := c.Validate(); err != nil {
		return repo.Collection{}, "", repo.Corrupt("GET "+u, err)
	}
	if d := c.Digest(); d != nameOrDigest {
		return repo.Collection{}, "", repo.Corrupt("GET "+u, fmt.Errorf("the collection served has digest %s", d))
	}
	return c, nameOrDigest, nil
}

// Collections implements repo.CollectionSource: the server's listing,
// ordered by digest, each collection fetched for its counts. A server
// without the seqcol API gives an error matching repo.ErrUnsupported.
func (s *Source) Collections(ctx context.Context) iter.Seq2[repo.CollectionInfo, error] {
	return func(yield func(repo.CollectionInfo, error) bool) {
		if err := s.seqcolSupported(); err != nil {
			yield(repo.CollectionInfo{}, err)
			return
		}
		var digests []string
		for page := 0; ; page++ {
			u := fmt.Sprintf("%s/list/collection?page=%d&page_size=%d", s.base, page, seqcolPageSize)
			var doc seqcolPage
			if err := s.getJSON(ctx, u, &doc); err != nil {
				if errors.Is(err, repo.ErrNotFound) {
					err = fmt.Errorf("%s does not serve seqcol: %w (%w)", s.name, repo.ErrUnsupported, err)
				}
				yield(repo.CollectionInfo{}, err)
				return
			}
			digests = append(digests, doc.Results...)
			if len(doc.Results) == 0 || len(digests) >= doc.Pagination.Total {
				break
			}
			if len(digests) > maxSeqcolListing {
				yield(repo.CollectionInfo{}, repo.Corrupt("GET "+u, fmt.Errorf("listing exceeds %d collections", maxSeqcolListing)))
				return
			}
		}
		slices.Sort(digests)
		for _, d := range slices.Compact(digests) {
			c, _, err := s.Collection(ctx, d)
			if err != nil {
				yield(repo.CollectionInfo{}, fmt.Errorf("%s: listed collection %s: %w", s.name, d, err))
				return
			}
			if !yield(repo.CollectionInfo{Digest: d, Sequences: c.Len(), Residues: c.Residues()}, nil) {
				return
			}
		}
	}
}
