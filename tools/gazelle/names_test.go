package tinylang

import "testing"

func TestImageTagIsAValidReference(t *testing.T) {
	tests := []struct{ prefix, pkg, bin, want string }{
		{"registry.local/mono", "services/greeter", "greeter", "registry.local/mono/services/greeter:latest"},
		{"registry.local/mono", "services/greeter", "admin", "registry.local/mono/services/greeter/admin:latest"},
		{"localhost:5000", "", "hello", "localhost:5000/hello:latest"},
		{"r.io/t", "Apps/My App", "Hello+World", "r.io/t/apps/my-app/hello-world:latest"},
	}
	for _, tt := range tests {
		if got := imageTag(tt.prefix, tt.pkg, tt.bin); got != tt.want {
			t.Errorf("imageTag(%q, %q, %q) = %q, want %q", tt.prefix, tt.pkg, tt.bin, got, tt.want)
		}
	}
}

func TestRepoNames(t *testing.T) {
	for _, s := range []string{"rules_tiny", "my-tiny", "rules_tiny~1.0", "a.b"} {
		if !validRepoName(s) {
			t.Errorf("%q rejected", s)
		}
	}
	for _, s := range []string{"", "~x", "a/b", "a:b", "a b", "//rules"} {
		if validRepoName(s) {
			t.Errorf("%q accepted", s)
		}
	}
}
