//go:build !race

package seqrepo

const raceEnabled = false
