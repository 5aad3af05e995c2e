package e2e

// The tiny_push rule end to end, in the root (WORKSPACE) workspace with the
// Bazel installed here: a registry with htpasswd auth runs in this test
// process, `bazel run //examples/push:hello_image_push -- --repository ...`
// pushes the seed image to it with credentials from DOCKER_CONFIG, skopeo
// reads it back, and a second `bazel run` uploads no blob.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rules-tiny/rules_tiny/internal/registrytest"
)

func bazelCmd(ctx context.Context, bazel string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, bazel, args...)
	cmd.Dir = repoRoot
	return cmd
}

// bazelFlags are the flags for Debian's offline Bazel 4.2.3 (the root
// .bazelrc's --config=debian) when its rule packages are installed.
func bazelFlags() []string {
	if _, err := os.Stat("/usr/share/bazel/tools/skylib"); err == nil {
		return []string{"--config=debian"}
	}
	return nil
}

func TestBazelRunTinyPushAgainstALiveRegistry(t *testing.T) {
	if testing.Short() {
		t.Skip("NOT RUN in -short mode: builds the tiny tool with Bazel (minutes on a cold output base)")
	}
	bazel, err := exec.LookPath("bazel")
	if err != nil {
		t.Skip("NOT RUN: no bazel on the PATH")
	}
	if _, err := exec.LookPath("skopeo"); err != nil {
		t.Skip("NOT RUN: skopeo (the independent client) is not installed")
	}
	if _, err := os.Stat(filepath.Join(repoRoot, "WORKSPACE")); err != nil {
		t.Skip("NOT RUN: the repository has no WORKSPACE")
	}
	users := map[string]string{"pusher": "bazel-run-secret"}
	reg := registrytest.Start(t, registrytest.Options{Users: users})
	cfg := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte("pusher:bazel-run-secret"))
	if err := os.WriteFile(filepath.Join(cfg, "config.json"),
		[]byte(`{"auths":{"`+reg.Host+`":{"auth":"`+auth+`"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", cfg)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	repo := reg.Host + "/tiny/hello"
	run := func() (string, string) { return bazelRun(t, ctx, bazel, "//examples/push:hello_image_push", repo) }
	stdout, stderr := run()
	// Bazel prints the stdout of build actions that ran in this invocation
	// (`tiny image` prints its digest) before the program's; the pushed
	// reference is the last line.
	m := regexp.MustCompile(`(?:^|\n)` + regexp.QuoteMeta(repo) + `@(sha256:[0-9a-f]{64})\n$`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("bazel run printed %q on stdout, want %s@sha256:...\nstderr:\n%s", stdout, repo, stderr)
	}
	digest := m[1]
	if !strings.Contains(stderr, "(tags: latest, bazel-run)") {
		t.Errorf("the rule's remote_tags and the command line's --tag were not both pushed:\n%s", stderr)
	}

	// The digest is the one the build wrote into the layout.
	info := bazelCmd(ctx, bazel, append([]string{"info"}, append(bazelFlags(), "bazel-bin")...)...)
	out, err := info.Output()
	if err != nil {
		t.Fatal(err)
	}
	indexJSON, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "examples", "hello_image", "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var idx struct{ Manifests []struct{ Digest string } }
	if err := json.Unmarshal(indexJSON, &idx); err != nil || len(idx.Manifests) != 1 || idx.Manifests[0].Digest != digest {
		t.Errorf("pushed %s; //examples:hello_image's index.json says %s (%v)", digest, indexJSON, err)
	}

	// An independent client with the same credentials sees both tags.
	for _, tag := range []string{"latest", "bazel-run"} {
		cmd := exec.Command("skopeo", "--insecure-policy", "inspect", "--tls-verify=false",
			"--creds", "pusher:bazel-run-secret", "docker://"+repo+":"+tag)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("skopeo inspect %s: %v", tag, err)
		}
		var got struct{ Digest string }
		if err := json.Unmarshal(out, &got); err != nil || got.Digest != digest {
			t.Errorf("skopeo: %s:%s is %s, want %s", repo, tag, got.Digest, digest)
		}
	}

	reg.Reset()
	run()
	if n := reg.Count(registrytest.KindBlobUpload); n != 0 {
		t.Errorf("the second bazel run made %d blob upload requests, want 0", n)
	}
}

func bazelRun(t *testing.T, ctx context.Context, bazel, target, repo string) (string, string) {
	t.Helper()
	args := append([]string{"run"}, bazelFlags()...)
	args = append(args, target, "--", "--repository", repo, "--tag", "bazel-run")
	cmd := bazelCmd(ctx, bazel, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("bazel %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), stderr.String()
}

// The multi-platform index goes the same way: the registry serves the very
// index bytes the build wrote.
func TestBazelRunTinyPushOfAnImageIndex(t *testing.T) {
	if testing.Short() {
		t.Skip("NOT RUN in -short mode: builds the tiny tool with Bazel (minutes on a cold output base)")
	}
	bazel, err := exec.LookPath("bazel")
	if err != nil {
		t.Skip("NOT RUN: no bazel on the PATH")
	}
	if _, err := exec.LookPath("skopeo"); err != nil {
		t.Skip("NOT RUN: skopeo (the independent client) is not installed")
	}
	reg := registrytest.Start(t, registrytest.Options{})
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	repo := reg.Host + "/tiny/hello-multi"
	stdout, stderr := bazelRun(t, ctx, bazel, "//examples/push:hello_index_push", repo)
	m := regexp.MustCompile(`(?:^|\n)` + regexp.QuoteMeta(repo) + `@(sha256:([0-9a-f]{64}))\n$`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("stdout %q, stderr:\n%s", stdout, stderr)
	}
	info := bazelCmd(ctx, bazel, append([]string{"info"}, append(bazelFlags(), "bazel-bin")...)...)
	out, err := info.Output()
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "examples", "hello_index", "blobs", "sha256", m[2]))
	if err != nil {
		t.Fatalf("the pushed digest is not a blob of //examples:hello_index: %v", err)
	}
	raw, err := exec.Command("skopeo", "--insecure-policy", "inspect", "--raw", "--tls-verify=false", "docker://"+repo+":latest").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, want) {
		t.Errorf("registry serves\n%s\nwant the layout's index\n%s", raw, want)
	}
	if !strings.Contains(string(raw), `"architecture":"386"`) || !strings.Contains(string(raw), `"architecture":"amd64"`) {
		t.Errorf("index lacks a platform: %s", raw)
	}
}
