package reference

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in, familiar, full, err string
	}{
		{"hello", "hello:latest", "docker.io/library/hello:latest", ""},
		{"hello:v1.2", "hello:v1.2", "docker.io/library/hello:v1.2", ""},
		{"team/hello:x", "team/hello:x", "docker.io/team/hello:x", ""},
		{"localhost:5000/hello", "localhost:5000/hello:latest", "localhost:5000/hello:latest", ""},
		{"localhost/hello:1", "localhost/hello:1", "localhost/hello:1", ""},
		{"ghcr.io/a/b-c__d.e:tag_1", "ghcr.io/a/b-c__d.e:tag_1", "ghcr.io/a/b-c__d.e:tag_1", ""},
		{"Hello", "", "", "invalid repository"},
		{"hello:", "", "", "invalid tag"},
		{"hello:-x", "", "", "invalid tag"},
		{"hello@sha256:abc", "", "", "digests"},
		{":tag", "", "", "invalid repository"},
		{"a//b", "", "", "invalid repository"},
		{"a/b/", "", "", "invalid repository"},
		{"hello:" + strings.Repeat("t", 129), "", "", "invalid tag"},
		{"ex ample", "", "", "invalid"},
		{"bad_host:99x/hello", "", "", "invalid"},
	} {
		r, err := Parse(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Parse(%q) err = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || r.String() != tc.familiar || r.FullName() != tc.full {
			t.Errorf("Parse(%q) = %q %q %v", tc.in, r.String(), r.FullName(), err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"hello", "a/b:c", "localhost:5000/x:y", "x@y", "::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Parse(s)
		if err != nil {
			return
		}
		again, err := Parse(r.String())
		if err != nil || again != r {
			t.Fatalf("Parse(%q) = %+v does not round-trip: %+v %v", s, r, again, err)
		}
	})
}
