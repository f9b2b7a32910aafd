package main

// The Redis backend registers the redis://, rediss://, redis+unix://,
// redis+cluster:// and redis+sentinel:// source schemes; writers for
// `seqfs copy SRC redis://…` come from redis.OpenWriter.
import _ "github.com/seqfs/seqfs/backends/redis"
