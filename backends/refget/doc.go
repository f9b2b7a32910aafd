// Package refget implements repo.Source façades over network sequence
// services, so that a refget v2 server or a seqrepo-rest-service can be a
// member of a federation, be cached, mounted or re-served like any store.
//
// Two protocols are registered with repo.Register:
//
//	refget+http://host/base, refget+https://host/base
//	    a GA4GH refget v2 server: GET <base>/sequence/<id>?start=&end= and
//	    GET <base>/sequence/<id>/metadata.
//	seqrepo+http://host:5000/seqrepo, seqrepo+https://…
//	    a seqrepo-rest-service (as SeqRepo's DataProxy uses it):
//	    GET <base>/1/sequence/<id>?start=&end= and GET <base>/1/metadata/<id>.
//
// A few query parameters of the source URL tune the client and are not
// sent to the server: timeout (per request, default 30s), attempts (tries
// per request, default 4), backoff (first retry delay, default 100ms),
// cooldown (how long a server that failed every attempt is reported down
// without being asked, default 2s; 0 disables), cache (metadata entries
// kept, default 10000) and negative_ttl (how long a 404 is remembered,
// default 10s; 0 disables).
//
// What a façade can answer. A network service cannot enumerate, so
// NamespaceAliases, Sequences and Namespaces return errors matching
// repo.ErrUnsupported that name the server (Namespaces does not report the
// namespaces seen so far: a partial list would show directories that cannot
// be listed and look complete when it is not). FindAliases answers exact
// queries only: an alias (with or without namespace) is mapped to an
// identifier the server understands, its metadata fetched, and the alias
// records of that sequence that match the query returned; a seq_id query
// fetches the metadata by seq_id. Queries with '%' patterns, and queries
// that name neither an alias nor a seq_id, return repo.ErrUnsupported.
// Servers split an identifier at its first colon, so a bare alias that
// contains ':' is only found when its namespace is given. Refget v2
// metadata lists names but not every digest namespace (seqfs serve omits
// SHA1 and SEGUID): an exact namespaced query the server resolves is
// answered from that resolution, but a seq_id query lists only what the
// metadata reports. Only current aliases are known. Alias records carry the sequence's added
// time when the server reports it (seqrepo-rest-service), else zero.
//
// Info: the length comes from the metadata; the seqrepo-rest façade also
// has the alphabet and added time. The refget v2 metadata has neither, and
// the façade leaves Alphabet empty and Added zero rather than download the
// whole sequence to compute them.
//
// ReadSequence issues one ranged GET (start/end) per call for exactly the
// residues asked for; it never fetches a whole sequence for a small read.
// Metadata (and 404s, briefly) are kept in a bounded LRU, and concurrent
// look-ups of one identifier are coalesced.
//
// Sequence collections: the refget façade reads those of a server that
// also speaks GA4GH seqcol 1.0, by digest (see collections.go); the
// seqrepo-rest façade has none.
//
// Robustness: every request has a timeout; 429 (honouring Retry-After),
// 5xx other than 501, timeouts and connection failures are retried with
// exponential backoff and jitter up to the attempt limit; 404 maps to
// repo.ErrNotFound, 409/422/300 to repo.ErrAmbiguous, 416 to
// repo.ErrBadCoordinates, 501 to repo.ErrUnsupported, and a server that
// stays unreachable to an error matching repo.ErrUnavailable that names
// its URL.
package refget
