package image_test

// Independent consumers of our outputs: go-containerregistry's validator,
// skopeo, umoci + runc, docker and podman. Each test that needs a tool skips
// with a message when the tool is not installed (CI installs them all).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	gcrlayout "github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/rules-tiny/rules_tiny/tools/image"
	"github.com/rules-tiny/rules_tiny/tools/image/compress"
	"github.com/rules-tiny/rules_tiny/tools/image/layout"
)

func need(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed: skipping this runtime check (CI installs it)", tool)
		}
	}
}

func sh(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// writeSeed builds the seed image with compression c and writes both forms.
func writeSeed(t *testing.T, c compress.Algorithm, tag string) (*image.Result, string, string) {
	t.Helper()
	spec := seedSpec()
	spec.Compression = c
	spec.Tag = tag
	r := build(t, spec)
	dir := t.TempDir()
	lp, tp := filepath.Join(dir, "layout"), filepath.Join(dir, "image.tar")
	if err := r.Layout.WriteDir(lp); err != nil {
		t.Fatal(err)
	}
	if err := r.Layout.WriteTarball(tp); err != nil {
		t.Fatal(err)
	}
	return r, lp, tp
}

func TestGoContainerregistryValidatesLayoutAndIndex(t *testing.T) {
	var layouts []*layout.Layout
	for _, c := range []compress.Algorithm{compress.Gzip, compress.Zstd, compress.None} {
		r, lp, _ := writeSeed(t, c, "hello:"+string(c))
		layouts = append(layouts, r.Layout)
		idx, err := gcrlayout.ImageIndexFromPath(lp)
		if err != nil {
			t.Fatal(err)
		}
		// validate's layer check reads every layer as gzip (v0.22.1,
		// validate/layer.go), so other layers get the fast validation plus
		// the same diff ID check done here through gcr's own decompression.
		var opts []validate.Option
		if c != compress.Gzip {
			opts = append(opts, validate.Fast)
		}
		if err := validate.Index(idx, opts...); err != nil {
			t.Fatalf("%s: layout index: %v", c, err)
		}
		img, err := idx.Image(v1.Hash{Algorithm: "sha256", Hex: r.Manifest.Digest.Encoded()})
		if err != nil {
			t.Fatal(err)
		}
		if err := validate.Image(img, opts...); err != nil {
			t.Fatalf("%s: image: %v", c, err)
		}
		layers, err := img.Layers()
		if err != nil || len(layers) != 1 {
			t.Fatalf("%s: layers %v %v", c, layers, err)
		}
		rc, err := layers[0].Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		h, _, err := v1.SHA256(rc)
		rc.Close()
		want, _ := layers[0].DiffID()
		if err != nil || h != want {
			t.Fatalf("%s: uncompressed layer hashes to %v, config diff_id %v (%v)", c, h, want, err)
		}
	}
	spec := seedSpec()
	spec.Files[0].Src = "testdata/hello64"
	r64 := build(t, spec)
	ri, err := image.BuildIndex([]*layout.Layout{layouts[0], r64.Layout}, "hello:multi")
	if err != nil {
		t.Fatal(err)
	}
	lp := filepath.Join(t.TempDir(), "multi")
	if err := ri.Layout.WriteDir(lp); err != nil {
		t.Fatal(err)
	}
	top, err := gcrlayout.ImageIndexFromPath(lp)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Index(top); err != nil {
		t.Fatalf("multi-platform layout: %v", err)
	}
	inner, err := top.ImageIndex(v1.Hash{Algorithm: "sha256", Hex: ri.Manifest.Digest.Encoded()})
	if err != nil {
		t.Fatal(err)
	}
	im, err := inner.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 2 || im.Manifests[0].Platform.Architecture != "386" || im.Manifests[1].Platform.Architecture != "amd64" {
		t.Fatalf("index manifest %+v", im)
	}
}

type skopeoInspect struct {
	Digest       string
	Architecture string
	Os           string
	Layers       []string
}

func inspect(t *testing.T, ref string) skopeoInspect {
	t.Helper()
	var si skopeoInspect
	out := sh(t, "skopeo", append(strings.Fields(ref)[:len(strings.Fields(ref))-1], "inspect", strings.Fields(ref)[len(strings.Fields(ref))-1])...)
	if err := json.Unmarshal([]byte(out), &si); err != nil {
		t.Fatalf("skopeo inspect %s: %v\n%s", ref, err, out)
	}
	return si
}

func TestSkopeoReadsLayoutAndTarballBothWays(t *testing.T) {
	need(t, "skopeo")
	for _, c := range []compress.Algorithm{compress.Gzip, compress.Zstd} {
		r, lp, tp := writeSeed(t, c, "hello:latest")
		want := r.Manifest.Digest.String()
		if si := inspect(t, "oci:"+lp+":latest"); si.Digest != want || si.Architecture != "386" || si.Os != "linux" {
			t.Fatalf("oci: %+v, want digest %s linux/386", si, want)
		}
		if si := inspect(t, "oci-archive:"+tp+":latest"); si.Digest != want {
			t.Fatalf("oci-archive: %+v, want digest %s", si, want)
		}
		// docker-archive: skopeo builds a docker schema 2 manifest from our
		// config and layers, so compare the layer rather than the digest.
		// Its layers are named by their diff IDs (uncompressed digests).
		var cfg struct {
			RootFS struct {
				DiffIDs []string `json:"diff_ids"`
			} `json:"rootfs"`
		}
		json.Unmarshal(blobBytes(t, r.Layout, r.Config.Digest), &cfg)
		si := inspect(t, "docker-archive:"+tp)
		if len(si.Layers) != 1 || si.Layers[0] != cfg.RootFS.DiffIDs[0] || si.Architecture != "386" {
			t.Fatalf("docker-archive: %+v, want layer %s", si, cfg.RootFS.DiffIDs)
		}
		// Copying the tarball to an OCI directory keeps every byte.
		out := filepath.Join(t.TempDir(), "copy")
		sh(t, "skopeo", "copy", "--quiet", "oci-archive:"+tp+":latest", "oci:"+out+":latest")
		if si := inspect(t, "oci:"+out+":latest"); si.Digest != want {
			t.Fatalf("skopeo copy changed the manifest: %s, want %s", si.Digest, want)
		}
		for d := range r.Layout.Blobs {
			got, err := os.ReadFile(filepath.Join(out, layout.BlobPath(d)))
			if err != nil || !bytes.Equal(got, blobBytes(t, r.Layout, d)) {
				t.Fatalf("copied blob %s differs: %v", d, err)
			}
		}
		// And docker-archive: -> oci: works too.
		out2 := filepath.Join(t.TempDir(), "copy2")
		sh(t, "skopeo", "copy", "--quiet", "docker-archive:"+tp, "oci:"+out2+":x")
	}
}

var runSeq atomic.Int64

// containerID is unique per test process and call, so parallel or leftover
// runs never collide.
func containerID(prefix string) string {
	return fmt.Sprintf("%s-%d-%d-%d", prefix, os.Getpid(), time.Now().UnixNano(), runSeq.Add(1))
}

func TestUmociUnpackAndRuncRunPrintHelloWorld(t *testing.T) {
	need(t, "umoci", "runc")
	if os.Geteuid() != 0 {
		t.Skip("runc needs root here")
	}
	// umoci 0.4.7 rejects zstd layers ("blob is not correct mediatype").
	for _, c := range []compress.Algorithm{compress.Gzip, compress.None} {
		_, lp, _ := writeSeed(t, c, "hello:latest")
		bundle := filepath.Join(t.TempDir(), "bundle")
		sh(t, "umoci", "unpack", "--image", lp+":latest", bundle)
		// umoci asks for a terminal; the test has none.
		cfgPath := filepath.Join(bundle, "config.json")
		var cfg map[string]any
		b, _ := os.ReadFile(cfgPath)
		if err := json.Unmarshal(b, &cfg); err != nil {
			t.Fatal(err)
		}
		cfg["process"].(map[string]any)["terminal"] = false
		b, _ = json.Marshal(cfg)
		os.WriteFile(cfgPath, b, 0o644)
		id := containerID("tiny-image-test")
		out, err := exec.Command("runc", "run", "-b", bundle, id).CombinedOutput()
		exec.Command("runc", "delete", "-f", id).Run()
		if err != nil || string(out) != "Hello World\n" {
			t.Fatalf("%s: runc run: %v, output %q", c, err, out)
		}
	}
}

func TestDockerLoadRunAndSize(t *testing.T) {
	need(t, "docker")
	if err := exec.Command("docker", "info").Run(); err != nil {
		t.Skip("docker is installed but its daemon is not reachable")
	}
	for _, c := range []compress.Algorithm{compress.Gzip, compress.Zstd} {
		tag := fmt.Sprintf("rules-tiny-test/hello:%s-%d", c, os.Getpid())
		r, _, tp := writeSeed(t, c, tag)
		t.Cleanup(func() { exec.Command("docker", "rmi", "-f", tag).Run() })
		out := sh(t, "docker", "load", "-i", tp)
		if !strings.Contains(out, "Loaded image: "+tag) {
			t.Fatalf("docker load: %s", out)
		}
		name := containerID("tiny-image-test")
		run, err := exec.Command("docker", "run", "--rm", "--name", name, tag).Output()
		if err != nil || string(run) != "Hello World\n" {
			t.Fatalf("%s: docker run: %v %q", c, err, run)
		}
		// Docker's image ID is the config digest; SIZE is the layer content
		// with the classic store (the 127-byte binary).
		info := strings.TrimSpace(sh(t, "docker", "image", "inspect", "--format", "{{.Id}} {{.Size}}", tag))
		want := fmt.Sprintf("%s %d", r.Config.Digest, 127)
		if info != want {
			t.Fatalf("docker image inspect: %q, want %q", info, want)
		}
		images := sh(t, "docker", "images", "--format", "{{.Size}}", tag)
		t.Logf("%s: docker images SIZE %s", c, strings.TrimSpace(images))
		if strings.TrimSpace(images) != "127B" {
			t.Errorf("docker images SIZE %q, want 127B", images)
		}
	}
}

func TestPodmanLoad(t *testing.T) {
	need(t, "podman")
	tag := fmt.Sprintf("rules-tiny-test/hello:podman-%d", os.Getpid())
	r, _, tp := writeSeed(t, compress.Gzip, tag)
	t.Cleanup(func() {
		exec.Command("podman", "rmi", "-f", "localhost/"+tag).Run()
		exec.Command("podman", "rmi", "-f", "docker.io/"+tag).Run()
	})
	out := sh(t, "podman", "load", "-i", tp)
	if !strings.Contains(out, "Loaded image") || !strings.Contains(out, tag) {
		t.Fatalf("podman load: %s", out)
	}
	id := strings.TrimSpace(sh(t, "podman", "image", "inspect", "--format", "{{.Id}}", "docker.io/"+tag))
	if "sha256:"+id != r.Config.Digest.String() {
		t.Fatalf("podman image id %s, want config digest %s", id, r.Config.Digest)
	}
	// podman run cannot work on these machines (rlimits); runc is tested above.
}

func TestIndexLayoutAndTarballAreReadByConsumers(t *testing.T) {
	need(t, "skopeo")
	a := build(t, seedSpec())
	spec := seedSpec()
	spec.Files[0].Src = "testdata/hello64"
	b := build(t, spec)
	tag := fmt.Sprintf("rules-tiny-test/hello:multi-%d", os.Getpid())
	ri, err := image.BuildIndex([]*layout.Layout{a.Layout, b.Layout}, tag)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	lp, tp := filepath.Join(dir, "multi"), filepath.Join(dir, "multi.tar")
	if err := ri.Layout.WriteDir(lp); err != nil {
		t.Fatal(err)
	}
	if err := ri.Layout.WriteTarball(tp); err != nil {
		t.Fatal(err)
	}
	ref := strings.SplitN(tag, ":", 2)[1]
	for _, src := range []string{"oci:" + lp + ":" + ref, "oci-archive:" + tp + ":" + ref} {
		raw := sh(t, "skopeo", "inspect", "--raw", src)
		if raw != string(blobBytes(t, ri.Layout, ri.Manifest.Digest)) {
			t.Fatalf("%s: raw manifest is not our index:\n%s", src, raw)
		}
		// skopeo reports the index digest and the chosen image's platform.
		for _, arch := range []string{"386", "amd64"} {
			if si := inspect(t, "--override-arch="+arch+" "+src); si.Digest != ri.Manifest.Digest.String() || si.Architecture != arch {
				t.Fatalf("%s %s: %+v, want digest %s", src, arch, si, ri.Manifest.Digest)
			}
		}
	}
	if _, err := exec.LookPath("docker"); err != nil || exec.Command("docker", "info").Run() != nil {
		t.Log("docker not available: skipping docker load of the index tarball")
		return
	}
	t.Cleanup(func() { exec.Command("docker", "rmi", "-f", tag).Run() })
	sh(t, "docker", "load", "-i", tp)
	out, err := exec.Command("docker", "run", "--rm", "--name", containerID("tiny-index-test"), tag).Output()
	if err != nil || string(out) != "Hello World\n" {
		t.Fatalf("docker run of the index tarball's image: %v %q", err, out)
	}
	if id := strings.TrimSpace(sh(t, "docker", "image", "inspect", "--format", "{{.Id}}", tag)); id != b.Config.Digest.String() {
		t.Fatalf("docker loaded %s, want the linux/amd64 image %s", id, b.Config.Digest)
	}
}
