package repo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// CheckStorableCollection checks what every CollectionWriter requires
// before it stores c under name: c is valid (Collection.Validate) and
// holds at least one sequence, and name (when not empty) contains no NUL
// byte or newline and does not have the form of a collection digest, which
// would hide the digest lookup of Collection.
func CheckStorableCollection(name string, c Collection) error {
	if err := c.Validate(); err != nil {
		return fmt.Errorf("collection %q: %w", name, err)
	}
	if c.Len() == 0 {
		return fmt.Errorf("collection %q: %w", name, errors.New("no sequences"))
	}
	if name == "" {
		return nil
	}
	return CheckCollectionName(name)
}

// CheckCollectionName checks that name can name a collection: not empty,
// no NUL byte or line break, and not of the form of a collection digest.
func CheckCollectionName(name string) error {
	switch {
	case name == "":
		return errors.New("collection name is empty")
	case strings.ContainsAny(name, "\x00\n\r"):
		return fmt.Errorf("collection name %q: contains a NUL byte or line break", name)
	case IsCollectionDigest(name):
		return fmt.Errorf("collection name %q: has the form of a collection digest", name)
	}
	return nil
}

// CollectionArrays returns the JSON arrays (canonical JSON, as seqcol's
// level-2 arrays but with bare seq_ids) in which stores keep a
// collection's names, seq_ids and lengths.
func CollectionArrays(c Collection) (names, seqIDs, lengths string) {
	return string(CanonicalJSON(c.Names)), string(CanonicalJSON(c.SeqIDs)), string(CanonicalJSON(c.Lengths))
}

// ParseCollectionArrays decodes what CollectionArrays encoded and checks
// the result: a valid collection whose level-0 digest is digest (the
// digest it was stored under). Stored data that fails is reported as
// such; callers wrap it with Corrupt.
func ParseCollectionArrays(digest, names, seqIDs, lengths string) (Collection, error) {
	var c Collection
	for _, f := range []struct {
		what, raw string
		dst       any
	}{{"names", names, &c.Names}, {"seq_ids", seqIDs, &c.SeqIDs}, {"lengths", lengths, &c.Lengths}} {
		if err := json.Unmarshal([]byte(f.raw), f.dst); err != nil {
			return Collection{}, fmt.Errorf("collection %s: %s: %w", digest, f.what, err)
		}
	}
	if err := c.Validate(); err != nil {
		return Collection{}, fmt.Errorf("collection %s: %w", digest, err)
	}
	if d := c.Digest(); d != digest {
		return Collection{}, fmt.Errorf("collection stored as %s has digest %s", digest, d)
	}
	return c, nil
}

// ExactCollectionCopier is implemented by collection writers that can
// store a copy of a collection with the time another source first stored
// it (CollectionInfo.Added), so that a copy lists the same Added. Like
// StoreCollection it binds name (when not empty) and is staged until
// Commit; a collection already stored keeps its own Added.
type ExactCollectionCopier interface {
	StoreCollectionCopy(ctx context.Context, name string, c Collection, added time.Time) (string, error)
}
