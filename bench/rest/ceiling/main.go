// Command ceiling is the baseline for the REST benchmark: a minimal Go
// net/http server answering every request with the same 100-byte body, the
// most requests per second plain net/http achieves on this machine.
package main

import (
	"flag"
	"log"
	"net/http"
	"strings"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:5001", "address to listen on")
	flag.Parse()
	body := []byte(strings.Repeat("ACGT", 25))
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", "100")
		w.Write(body)
	})
	log.Fatal(http.ListenAndServe(*listen, nil))
}
