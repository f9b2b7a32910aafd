package source_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/seqfs/seqfs/backends/all"
	"github.com/seqfs/seqfs/repo"
	"github.com/seqfs/seqfs/source"
)

func TestLoadFile(t *testing.T) {
	t.Parallel()
	reg := all.Registry()
	tests := []struct {
		name    string
		text    string
		want    source.Config // File is set by the test
		wantErr string        // substring of the error; the file's path is checked too
	}{
		{name: "members in order",
			text: "prefer_first = true\n[[source]]\nurl = \"/a\"\n[[source]]\nurl = \"redis://h/0\"\nnamespaces = [\"NCBI\"]\ncache = true\n",
			want: source.Config{PreferFirst: true, Members: []source.Member{
				{URL: "/a"}, {URL: "redis://h/0", Namespaces: []string{"NCBI"}, Cache: true}}}},
		{name: "settings per member",
			text: "[[source]]\nurl = \"s3://b/one\"\ns3-endpoint = \"http://127.0.0.1:9000\"\ns3-stats = true\n[[source]]\nurl = \"s3://b/two\"\ns3-endpoint = \"http://127.0.0.1:9001\"\n",
			want: source.Config{Members: []source.Member{
				{URL: "s3://b/one", Settings: repo.Settings{"s3-endpoint": "http://127.0.0.1:9000", "s3-stats": "true"}},
				{URL: "s3://b/two", Settings: repo.Settings{"s3-endpoint": "http://127.0.0.1:9001"}}}}},
		{name: "unknown top-level key", text: "colour = 1\n[[source]]\nurl = \"/a\"\n", wantErr: `unknown setting "colour"`},
		{name: "unknown member key", text: "[[source]]\nurl = \"/a\"\ncolour = \"red\"\n", wantErr: `unknown setting "source.colour"`},
		{name: "switch given a string", text: "[[source]]\nurl = \"/a\"\ns3-stats = \"yes\"\n", wantErr: `setting "source.s3-stats": want true or false`},
		{name: "string given a switch", text: "[[source]]\nurl = \"/a\"\ns3-endpoint = true\n", wantErr: `setting "source.s3-endpoint": want a string`},
		{name: "no sources", text: "prefer_first = true\n", wantErr: "no [[source]] entries"},
		{name: "source without url", text: "[[source]]\nurl = \"/a\"\n[[source]]\nnamespaces = [\"NCBI\"]\n", wantErr: "source 2 has no url"},
		{name: "url of the wrong type", text: "[[source]]\nurl = 5\n", wantErr: "read config"},
		{name: "not TOML", text: "[[source]\n", wantErr: "read config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "seqfs.toml")
			if err := os.WriteFile(path, []byte(tt.text), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := source.LoadFile(path, reg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), path) {
					t.Fatalf("LoadFile = %+v, %v; want an error naming %s and %q", got, err, path, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.want.File = path
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("LoadFile =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestLoadFileMissing(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "none.toml")
	if _, err := source.LoadFile(path, all.Registry()); err == nil || !strings.HasPrefix(err.Error(), "read config "+path) {
		t.Errorf("LoadFile of a missing file: %v", err)
	}
}
