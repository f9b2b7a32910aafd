package cache

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ParseSize parses a byte count such as "10G", "512MiB", "1.5GB", "4096"
// or "0". Suffixes K, M, G, T, P (optionally followed by "B" or "iB", any
// case) are powers of 1024; a bare "B" or no suffix means bytes.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("size %q: empty", s)
	}
	u := strings.ToUpper(t)
	u = strings.TrimSuffix(u, "B")
	binary := strings.HasSuffix(u, "I")
	u = strings.TrimSuffix(u, "I")
	mult := 1.0
	if n := len(u); n > 0 {
		if i := strings.IndexByte("KMGTP", u[n-1]); i >= 0 {
			mult = math.Pow(1024, float64(i+1))
			u = u[:n-1]
		} else if binary {
			u = "" // "iB" without a unit letter
		}
	}
	u = strings.TrimSpace(u)
	if u == "" || strings.ContainsAny(u, "+-eEnNxX_") {
		return 0, fmt.Errorf("size %q: want a non-negative number with an optional K, M, G, T or P suffix", s)
	}
	v, err := strconv.ParseFloat(u, 64)
	if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("size %q: want a non-negative number with an optional K, M, G, T or P suffix", s)
	}
	b := v * mult
	if b >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q: too large", s)
	}
	return int64(b), nil
}

// FormatSize renders a byte count with a binary unit ("1.5 GiB").
func FormatSize(n int64) string {
	const units = "KMGTPE"
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	v := float64(n)
	i := -1
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + units[i:i+1] + "iB"
}
