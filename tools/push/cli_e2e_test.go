package push

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-tiny/rules_tiny/internal/registrytest"
)

// buildTiny builds the real `tiny` command once per test binary run.
var tinyBin string

func buildTiny(t *testing.T) string {
	t.Helper()
	if tinyBin != "" {
		return tinyBin
	}
	dir, err := os.MkdirTemp("", "tiny-push-e2e")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "tiny")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/rules-tiny/rules_tiny/tools/cmd/tiny")
	// Tests move HOME to isolate docker credentials; keep the build cache
	// where it was, or every run compiles the world again.
	cmd.Env = append(os.Environ(), goEnv...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build tiny: %v\n%s", err, out)
	}
	tinyBin = bin
	return bin
}

// goEnv holds the Go caches' locations as they were before any test ran.
var goEnv []string

func TestMain(m *testing.M) {
	if out, err := exec.Command("go", "env", "GOCACHE", "GOMODCACHE", "GOPATH").Output(); err == nil {
		f := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(f) == 3 {
			goEnv = []string{"GOCACHE=" + f[0], "GOMODCACHE=" + f[1], "GOPATH=" + f[2]}
		}
	}
	code := m.Run()
	if tinyBin != "" {
		os.RemoveAll(filepath.Dir(tinyBin))
	}
	os.Exit(code)
}

func tiny(t *testing.T, args ...string) (string, string) {
	t.Helper()
	cmd := exec.Command(buildTiny(t), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("tiny %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), stderr.String()
}

// The whole user path with the shipped tool: `tiny image` and `tiny index`
// write layouts, `tiny push` uploads them, skopeo pulls them back unchanged,
// and a second `tiny push` uploads no blob.
func TestTinyImageAndIndexPushedWithTinyPushRoundTrip(t *testing.T) {
	needSkopeo(t)
	isolateCredentials(t)
	reg := registrytest.Start(t, registrytest.Options{})
	work := t.TempDir()
	prog := filepath.Join(work, "hello")
	if err := os.WriteFile(prog, []byte("#!/bin/false\nnot really a program, only bytes to ship\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	var layouts []string
	for _, plat := range []string{"linux/amd64", "linux/386"} {
		dir := filepath.Join(work, strings.ReplaceAll(plat, "/", "_"))
		tiny(t, "image", "--layout", dir, "--file", prog+":/hello", "--platform", plat)
		layouts = append(layouts, dir)
	}
	index := filepath.Join(work, "index")
	tiny(t, "index", "--layout", index, layouts[0], layouts[1])

	for _, tc := range []struct {
		name, layout string
		all          bool
	}{
		{"image", layouts[0], false},
		{"index", index, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			repo := reg.Host + "/tiny/" + tc.name
			stdout, stderr := tiny(t, "push", "--layout", tc.layout, "--repository", repo, "--tag", "v1")
			var idx struct {
				Manifests []struct{ Digest string }
			}
			b, err := os.ReadFile(filepath.Join(tc.layout, "index.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &idx); err != nil || len(idx.Manifests) != 1 {
				t.Fatalf("index.json of %s: %v %s", tc.layout, err, b)
			}
			want := idx.Manifests[0].Digest
			if stdout != repo+"@"+want+"\n" {
				t.Errorf("stdout %q, want %s@%s", stdout, repo, want)
			}
			t.Logf("tiny push: %s%s", stderr, stdout)

			raw := skopeo(t, "inspect", "--raw", "--tls-verify=false", "docker://"+repo+":v1")
			if !bytes.Equal(raw, blobsOf(t, tc.layout)[want]) {
				t.Errorf("registry serves a different manifest than the layout's %s", want)
			}
			pulled := filepath.Join(t.TempDir(), "pulled")
			args := []string{"copy", "--preserve-digests", "--src-tls-verify=false"}
			if tc.all {
				args = append(args, "--all")
			}
			skopeo(t, append(args, "docker://"+repo+":v1", "oci:"+pulled+":v1")...)
			orig, back := blobsOf(t, tc.layout), blobsOf(t, pulled)
			for d, b := range orig {
				if !bytes.Equal(back[d], b) {
					t.Errorf("blob %s differs after the round trip", d)
				}
			}
			if len(orig) != len(back) {
				t.Errorf("%d blobs pushed, %d pulled", len(orig), len(back))
			}

			reg.Reset()
			tiny(t, "push", "--layout", tc.layout, "--repository", repo, "--tag", "v1", "--tag", "v2")
			if n := reg.Count(registrytest.KindBlobUpload); n != 0 {
				t.Errorf("second push made %d blob upload requests", n)
			}
			if n := reg.Count(registrytest.KindManifestPut); n != 1 {
				t.Errorf("second push with one new tag wrote %d manifests, want 1", n)
			}
		})
	}
}
