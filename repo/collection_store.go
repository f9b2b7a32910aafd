package repo

import (
	"errors"
	"fmt"
	"strings"
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
