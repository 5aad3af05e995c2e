package push

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseRepository: any string gives a repository or an error, never a
// panic, and an accepted one names its registry host explicitly.
func FuzzParseRepository(f *testing.F) {
	for _, s := range []string{"127.0.0.1:5000/app", "localhost/a/b", "ghcr.io/o/r", "app", "a:b/c:d", "[::1]:5000/x", "h.io/App", "h.io/a@sha256:00", "", "docker.io/user/app", "index.docker.io/library/x"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, insecure bool) {
		repo, err := ParseRepository(s, insecure)
		if err != nil {
			return
		}
		host := repo.RegistryStr()
		if host == "index.docker.io" && strings.HasPrefix(s, "docker.io/") {
			host = "docker.io" // go-containerregistry's canonical name for Docker Hub
		}
		if !strings.HasPrefix(s, host+"/") {
			t.Errorf("ParseRepository(%q) accepted registry %q that is not spelled out", s, repo.RegistryStr())
		}
	})
}

// FuzzOpenLayout: arbitrary index.json and manifest bytes give a pushable
// layout or an error, never a panic.
func FuzzOpenLayout(f *testing.F) {
	f.Add([]byte(`{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":2}]}`), []byte(`{}`), false)
	f.Add([]byte(`{"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":17}]}`), []byte(`{"manifests":[]}`), true)
	f.Add([]byte(`[]`), []byte(``), false)
	f.Add([]byte(`{"manifests":[{"digest":"md5:00","size":-1}]}`), []byte(`x`), true)
	f.Fuzz(func(t *testing.T, index, blob []byte, asIndex bool) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
		os.WriteFile(filepath.Join(dir, "index.json"), index, 0o644)
		os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755)
		// The blob is stored under its real digest, so fuzzed descriptors
		// can reach it only by naming that digest.
		os.WriteFile(filepath.Join(dir, "blobs", "sha256", sha256Hash(blob).Hex), blob, 0o644)
		t1, _, _, err := Open(dir, asIndex)
		if err == nil && t1 == nil {
			t.Fatal("Open returned neither a manifest nor an error")
		}
	})
}
