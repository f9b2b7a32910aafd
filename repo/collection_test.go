package repo

import "testing"

// The worked example of the seqcol 1.0 specification.
func TestCollectionDigestSpecExample(t *testing.T) {
	t.Parallel()
	c := Collection{
		Names: []string{"chr1", "chr2", "chr3"},
		SeqIDs: []string{"2YnepKM7OkBoOrKmvHbGqguVfF9amCST",
			"lwDyBi432Py-7xnAISyQlnlhWDEaBPv2",
			"Eqk6_SvMMDCc6C-uEfickOUWTatLMDQZ"},
		Lengths: []int64{248956422, 242193529, 198295559},
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, got, want string }{
		{"lengths", GA4GHDigest(CanonicalJSON(c.Lengths)), "5K4odB173rjao1Cnbk5BnvLt9V7aPAa2"},
		{"names", GA4GHDigest(CanonicalJSON(c.Names)), "g04lKdxiYtG3dOGeUC5AdKEifw65G0Wp"},
		{"sequences", GA4GHDigest(CanonicalJSON(c.seqcolSequences())), "rD29ZKmEqwwHRXjiQ36p6UMZQ5hemmsb"},
		{"level 0", c.Digest(), "sjNNwm4zov3Dl0FRWbRTcZwzqrTQKIqL"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s digest = %s, want %s", tt.name, tt.got, tt.want)
		}
	}
}

func TestCollectionValidate(t *testing.T) {
	t.Parallel()
	id := "2YnepKM7OkBoOrKmvHbGqguVfF9amCST"
	tests := []struct {
		name string
		c    Collection
		ok   bool
	}{
		{"ok", Collection{[]string{"a"}, []string{id}, []int64{1}}, true},
		{"uncollated", Collection{[]string{"a", "b"}, []string{id}, []int64{1}}, false},
		{"empty name", Collection{[]string{""}, []string{id}, []int64{1}}, false},
		{"duplicate", Collection{[]string{"a", "a"}, []string{id, id}, []int64{1, 1}}, false},
		{"bad id", Collection{[]string{"a"}, []string{"SQ." + id}, []int64{1}}, false},
		{"negative", Collection{[]string{"a"}, []string{id}, []int64{-1}}, false},
	}
	for _, tt := range tests {
		if err := tt.c.Validate(); (err == nil) != tt.ok {
			t.Errorf("%s: Validate() = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}
