package main

// The refget v2 and seqrepo-rest-service façades register the
// refget+http(s) and seqrepo+http(s) source schemes.
import _ "github.com/seqfs/seqfs/backends/refget"
