package redis

import (
	"net/url"
	"strings"
	"testing"

	"github.com/seqfs/seqfs/repo"
)

// FuzzParseMembers feeds arbitrary stored members to every decoder: none
// may panic, and whatever decodes must re-encode to the same bytes.
func FuzzParseMembers(f *testing.F) {
	for _, s := range []string{"NM_1\x00abc\x001558366827", "a\x00b\x001.000000001", "NCBI\x00x", "\x00\x00", "x\x00y\x00-5", "", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, m string) {
		if b, err := parseBinding(m); err == nil && b.member() != m {
			t.Errorf("binding %q re-encodes to %q", m, b.member())
		}
		if ns, al, err := parseNSAliasField(m); err == nil && nsAliasField(ns, al) != m {
			t.Errorf("field %q re-encodes to %q", m, nsAliasField(ns, al))
		}
		if ns, al, added, err := parseHistMember(m); err == nil && histMember(ns, al, added) != m {
			t.Errorf("hist %q re-encodes to %q", m, histMember(ns, al, added))
		}
		if tm, err := parseTime(m); err == nil {
			if back, err := parseTime(formatTime(tm)); err != nil || !back.Equal(tm) {
				t.Errorf("time %q → %v → %q → %v %v", m, tm, formatTime(tm), back, err)
			}
		}
		parseInfo(m, m, m, m)
		if n, err := parseSize(m); err == nil && n <= 0 {
			t.Errorf("parseSize(%q) = %d", m, n)
		}
	})
}

// FuzzLikeRanges checks that the ranges likeRanges scans cover every
// member whose alias matches the pattern.
func FuzzLikeRanges(f *testing.F) {
	f.Add("NM_%", "nm_0001.1")
	f.Add("ab%", "AB")
	f.Add("GS_x%", "gs_X")
	f.Add("é%", "é")
	f.Add("1\xff%", "1\xff\xff")
	f.Fuzz(func(t *testing.T, pattern, alias string) {
		if !repo.Like(pattern, alias) || strings.Contains(alias, sep) {
			return
		}
		member := alias + sep + "seq" + sep + "0"
		if rs := likeRanges(pattern); !inRanges(member, rs) {
			t.Errorf("pattern %q matches %q but ranges %q miss it", pattern, alias, rs)
		}
	})
}

// FuzzParseURL throws arbitrary locations at ParseURL: no panics, and a
// password never appears in the server name used in messages.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"redis://u:secret@h:1/2?prefix=x&part_size=3m", "redis+cluster://a:1,b:2", "redis+sentinel://a/m/1",
		"redis+unix:///s?db=1", "rediss://h?read_timeout=1s", "redis://h/0?db=-1", "redis+cluster://h?db=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := url.Parse(s)
		if err != nil {
			return
		}
		o, err := ParseURL(u)
		if err != nil {
			return
		}
		if p, ok := u.User.Password(); ok && len(p) > 3 && strings.Contains(o.Server, p) && !strings.Contains(u.Host+u.Path, p) {
			t.Errorf("server name %q shows the password of %q", o.Server, s)
		}
		if o.PartSize <= 0 || o.PartSize > maxPartSize || o.Prefix == "" || len(o.Client.Addrs) == 0 {
			t.Errorf("%q gave options %+v", s, o)
		}
	})
}
