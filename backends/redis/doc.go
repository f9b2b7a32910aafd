// Package redis stores reference sequences and their aliases in Redis (a
// single server, Redis Cluster or a Sentinel-managed primary) and serves
// them through the repo.Source and repo.Writer interfaces with the same
// answers as the SeqRepo layout it is usually copied from.
//
// # Locations
//
//	redis://[user:pass@]host:port/db?prefix=NAME         one server
//	rediss://…                                           the same over TLS
//	redis+unix:///path/to/redis.sock?db=N&prefix=NAME    a unix socket
//	redis+cluster://host1:port,host2:port?prefix=NAME    Redis Cluster (rediss+cluster for TLS)
//	redis+sentinel://host1:26379,host2:26379/MASTER/db?prefix=NAME
//
// Give every cluster or sentinel host its port (Go's URL parser rejects
// "a:1,b" but accepts "a,b:2"; missing ports default to 6379).
//
// Query parameters: prefix (default "seqfs"), part_size (bytes, suffix k/m/g
// allowed; default 256m; only used when writing), pool_size, dial_timeout,
// read_timeout, write_timeout (Go durations), max_retries.
//
// # Key layout (format version 1)
//
// Every key starts with the prefix P. Keys of one sequence share the hash
// tag {ID} and keys of one namespace the hash tag {NS}, so the commands that
// touch several keys of one sequence or namespace stay on one cluster shard.
// Separators inside members are NUL bytes (shown as \0); namespaces and
// aliases containing NUL cannot be stored. A timestamp T is Unix seconds in
// decimal, with ".nnnnnnnnn" appended when it has a fractional part.
//
//	P:format                  string  "seqfs-redis 1"; checked on open, a
//	                                  mismatch is an error, not a guess
//	P:namespaces              zset    every namespace with current aliases
//	                                  (score 0, so members sort by bytes)
//	P:seqs                    zset    every committed seq_id (score 0)
//	P:ns:{NS}                 zset    current aliases of namespace NS:
//	                                  member alias\0seq_id\0T (score 0); a
//	                                  lookup is ZRANGEBYLEX [alias\0 (alias\1,
//	                                  a listing pages through it in alias order
//	P:nshist:{NS}             zset    superseded (is_current = 0) bindings of
//	                                  NS, same member form
//	P:seq:{ID}:info           hash    len, alpha, added (T), psize; written
//	                                  LAST when a sequence is committed: the
//	                                  commit marker — a sequence without it
//	                                  does not exist for readers
//	P:seq:{ID}:<psize>:<n>    string  part n of the sequence: bytes
//	                                  [n·psize, (n+1)·psize), read with
//	                                  GETRANGE; psize is in the name so a
//	                                  reload with another part size can never
//	                                  be misread through a stale cache
//	P:seq:{ID}:aliases        hash    current aliases of the sequence:
//	                                  field NS\0alias → T
//	P:seq:{ID}:hist           zset    superseded aliases of the sequence:
//	                                  member NS\0alias\0T
//
// Sequence collections (repo.CollectionSource), D being a collection's
// seqcol level-0 digest and N a collection name:
//
//	P:coll:{D}                hash    names, seq_ids, lengths (JSON arrays
//	                                  as repo.CollectionArrays writes them,
//	                                  checked against D when read), n,
//	                                  residues, added (T, of the first store)
//	P:coll:{D}:names          zset    names currently bound to D (score 0)
//	P:collnames               hash    N → D: the current binding of each
//	                                  name (a name is looked up here first,
//	                                  then taken as a digest)
//	P:collnamehist            zset    superseded name bindings: member
//	                                  N\0D\0T, T the time of the move
//	P:colls                   zset    every committed digest (score 0):
//	                                  the listing, in digest order; written
//	                                  last for each collection
//
// # Writes
//
// Writer.Store uploads the sequence parts at once (they are invisible
// without the info key) and stages alias bindings and the info key in
// memory; Commit applies them in pipelined batches, each sequence's alias
// changes first and its info key last. On a single server or Sentinel a
// batch is one MULTI/EXEC, so readers see a sequence with all its aliases
// or not at all; on Cluster a batch is applied per shard. Re-applying a
// commit is idempotent, so a failed Commit can be retried, and a copy that
// was interrupted is finished by running it again: sequences whose info key
// exists are skipped, aliases already bound are left alone. Parts uploaded
// by a Writer that never committed stay as orphans until overwritten by a
// later Store of the same sequence. One Writer per prefix at a time.
//
// Writer.StoreCollection checks that the collection's sequences are
// committed or staged and stages it; Commit writes collections after the
// sequences of the same commit (one MULTI/EXEC on a single server). A name
// given again moves to the new collection; the old one stays readable by
// its digest.
//
// Durability is the Redis server's configuration (RDB/AOF); Commit returns
// once the server has applied the writes.
//
// # Reads
//
// Sequence metadata is cached in process (a sequence's content never
// changes: its id is its digest), so a subsequence read is one GETRANGE (or
// one pipeline of GETRANGEs when it crosses part boundaries). Listings page
// through sorted sets with ZRANGEBYLEX and never hold a whole namespace.
// Errors reaching Redis match repo.ErrUnavailable and name the server; the
// client pool reconnects by itself when the server comes back.
package redis
