package cache

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
)

// BenchmarkStoreRead reads 64 KiB block entries back from the directory.
func BenchmarkStoreRead(b *testing.B) {
	s, err := openStore(b.TempDir(), 1<<30, slog.Default())
	if err != nil {
		b.Fatal(err)
	}
	defer s.close()
	payload := make([]byte, DefaultBlockSize)
	keys := make([]string, 64)
	for i := range keys {
		keys[i] = fmt.Sprintf("block\x00k\x00%d", i)
		s.write(context.Background(), keys[i], encodeEntry(kindBlock, keys[i], payload))
	}
	b.SetBytes(DefaultBlockSize)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, ok := s.read(kindBlock, keys[i%len(keys)]); !ok {
			b.Fatal("miss")
		}
	}
}

// BenchmarkStorePut writes new 64 KiB block entries.
func BenchmarkStorePut(b *testing.B) {
	s, err := openStore(b.TempDir(), 1<<30, slog.Default())
	if err != nil {
		b.Fatal(err)
	}
	defer s.close()
	payload := make([]byte, DefaultBlockSize)
	b.SetBytes(DefaultBlockSize)
	for i := 0; b.Loop(); i++ {
		k := fmt.Sprintf("block\x00k\x00%d", i)
		s.write(context.Background(), k, encodeEntry(kindBlock, k, payload))
	}
}
