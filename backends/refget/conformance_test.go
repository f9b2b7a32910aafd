package refget

import (
	"strings"
	"testing"

	"github.com/seqfs/seqfs/repo/repotest"
)

// facadeLocation returns a function for repotest.Backend that starts a
// real seqfs REST server over the sample on loopback and returns the URL
// of the façade of the given kind ("refget" or "seqrepo") on it.
func facadeLocation(kind string) func(t *testing.T) string {
	return func(t *testing.T) string {
		t.Helper()
		loc := kind + "+http://" + strings.TrimPrefix(startServer(t, nil).URL, "http://")
		if kind == "seqrepo" {
			loc += "/seqrepo"
		}
		return loc
	}
}

// TestConformanceRefget runs the conformance suite over the refget v2
// façade. Each relaxation is a limit of the refget v2 protocol, not of
// the façade:
//   - ExactQueriesOnly: refget v2 looks up one identifier at a time and
//     has no search or listing, so '%' patterns and queries naming no
//     alias or seq_id cannot be asked; the server splits an identifier at
//     its first colon, so a bare alias containing ':' (the yeast
//     deflines) is only found with its namespace given.
//   - NoAlphabetOrAdded: refget v2 metadata carries neither the alphabet
//     nor an added time (the façade will not download whole sequences to
//     compute the alphabet), so Info and alias records leave them empty.
//   - MissingNamespaces SHA1, SEGUID: refget v2 metadata lists md5,
//     ga4gh/trunc512 and names but no SHA1 or SEGUID digests, so a seq_id
//     query cannot report those records (an exact SHA1:/SEGUID: look-up
//     still resolves through the server).
func TestConformanceRefget(t *testing.T) {
	t.Parallel()
	repotest.RunBackend(t, repotest.Backend{
		Factory:        Factory{},
		SampleLocation: facadeLocation("refget"),
		Caps: repotest.Caps{
			ExactQueriesOnly:  true,
			NoAlphabetOrAdded: true,
			MissingNamespaces: []string{"SHA1", "SEGUID"},
		},
	})
}

// TestConformanceSeqrepoREST runs the conformance suite over the
// seqrepo-rest-service façade. Its metadata has the alphabet, the added
// time and every alias, so the one relaxation is ExactQueriesOnly: the
// service resolves one identifier per request (GET /1/metadata/<id>) and
// offers no pattern search or listing of namespaces, aliases or
// sequences, and it splits an identifier at its first colon, so a bare
// alias containing ':' is only found with its namespace given.
func TestConformanceSeqrepoREST(t *testing.T) {
	t.Parallel()
	repotest.RunBackend(t, repotest.Backend{
		Factory:        Factory{},
		SampleLocation: facadeLocation("seqrepo"),
		Caps:           repotest.Caps{ExactQueriesOnly: true},
	})
}
