package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/rules-tiny/rules_tiny/internal/registrytest"
)

func pushFixture(t *testing.T) (string, string) {
	t.Helper()
	l, err := random.Layer(300, types.OCILayer)
	if err != nil {
		t.Fatal(err)
	}
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	if img, err = mutate.AppendLayers(img, l); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "layout")
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()
	return dir, d.String()
}

func isolateDockerConfig(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("DOCKER_CONFIG", home)
	t.Setenv("XDG_RUNTIME_DIR", home)
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv("REGISTRY_AUTH_FILE", "")
}

func TestPushCommandPrintsRefAndWritesDigestFile(t *testing.T) {
	isolateDockerConfig(t)
	reg := registrytest.Start(t, registrytest.Options{})
	dir, digest := pushFixture(t)
	digestFile := filepath.Join(t.TempDir(), "digest")
	var stdout, stderr bytes.Buffer
	// Flags given twice: the last --repository wins (how `bazel run -- --repository` overrides),
	// tags accumulate across --tag and -t.
	code := run([]string{"push", "--layout", dir, "--repository", "example.invalid/other",
		"--tag", "v1", "-r", reg.Host + "/cli", "-t", "v2", "--digest-file", digestFile}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if got, want := stdout.String(), reg.Host+"/cli@"+digest+"\n"; got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
	for _, want := range []string{"tagged " + reg.Host + "/cli:v1", "tagged " + reg.Host + "/cli:v2", "pushed " + digest} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	if b, err := os.ReadFile(digestFile); err != nil || string(b) != digest+"\n" {
		t.Errorf("digest file: %q, %v", b, err)
	}
}

func TestPushCommandExitCodes(t *testing.T) {
	isolateDockerConfig(t)
	dir, _ := pushFixture(t)
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no layout", []string{"--repository", "127.0.0.1:1/x"}, 2, "--layout and --repository are required"},
		{"no repository", []string{"--layout", dir}, 2, "--layout and --repository are required"},
		{"stray argument", []string{"--layout", dir, "--repository", "127.0.0.1:1/x", "extra"}, 2, `unexpected argument "extra"`},
		{"unknown flag", []string{"--nope"}, 2, "flag provided but not defined"},
		{"registry down", []string{"--layout", dir, "--repository", "127.0.0.1:1/x"}, 1, "registry 127.0.0.1:1 is unreachable"},
		{"bad layout", []string{"--layout", filepath.Join(dir, "blobs"), "--repository", "127.0.0.1:1/x"}, 1, "is not an OCI image layout"},
		{"help", []string{"--help"}, 0, "usage: tiny push"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"push"}, tc.args...), &stdout, &stderr)
			if code != tc.code || !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr.String(), tc.code, tc.stderr)
			}
			if tc.code != 0 && stdout.Len() != 0 {
				t.Errorf("failure printed to stdout: %q", stdout.String())
			}
		})
	}
}
