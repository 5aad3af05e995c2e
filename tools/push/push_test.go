package push

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/rules-tiny/rules_tiny/internal/registrytest"
)

// ---- fixtures -------------------------------------------------------------

// ociImage makes a small OCI image with two random gzip layers and a platform.
func ociImage(t *testing.T, arch string) v1.Image {
	t.Helper()
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", arch
	cf.Config.Entrypoint = []string{"/hello"}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		l, err := random.Layer(700, types.OCILayer)
		if err != nil {
			t.Fatal(err)
		}
		if img, err = mutate.AppendLayers(img, l); err != nil {
			t.Fatal(err)
		}
	}
	return img
}

var refName = map[string]string{"org.opencontainers.image.ref.name": "latest"}

// imageLayout writes a layout whose index.json lists one image manifest, the
// shape `tiny image --layout` and rules_oci's oci_image produce.
func imageLayout(t *testing.T) (string, v1.Hash) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "layout")
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	img := ociImage(t, "amd64")
	if err := p.AppendImage(img, layout.WithAnnotations(refName)); err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return dir, d
}

// indexLayout writes a layout whose index.json lists one image index over an
// amd64 and a 386 image, the shape rules_oci's oci_image_index produces. The
// index JSON is written here rather than by mutate.AppendManifests, which adds
// an artifactType to each descriptor that skopeo 1.9 cannot carry over with
// --preserve-digests.
func indexLayout(t *testing.T) (string, v1.Hash) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "index")
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	type desc struct {
		MediaType types.MediaType `json:"mediaType"`
		Digest    string          `json:"digest"`
		Size      int64           `json:"size"`
		Platform  *v1.Platform    `json:"platform,omitempty"`
	}
	var manifests []desc
	for _, arch := range []string{"amd64", "386"} {
		img := ociImage(t, arch)
		if err := p.WriteImage(img); err != nil {
			t.Fatal(err)
		}
		d, _ := img.Digest()
		sz, _ := img.Size()
		manifests = append(manifests, desc{types.OCIManifestSchema1, d.String(), sz, &v1.Platform{OS: "linux", Architecture: arch}})
	}
	raw, err := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": types.OCIImageIndex, "manifests": manifests})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	h := v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
	if err := p.WriteBlob(h, io.NopCloser(bytes.NewReader(raw))); err != nil {
		t.Fatal(err)
	}
	if err := p.AppendDescriptor(v1.Descriptor{MediaType: types.OCIImageIndex, Digest: h, Size: int64(len(raw)), Annotations: refName}); err != nil {
		t.Fatal(err)
	}
	return dir, h
}

// isolateCredentials points every credential lookup of the default keychain
// at empty temporary places, so the host's docker login cannot leak in.
func isolateCredentials(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	cfg := filepath.Join(home, "docker-config")
	if err := os.Mkdir(cfg, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", home)
	t.Setenv("DOCKER_CONFIG", cfg)
	t.Setenv("XDG_RUNTIME_DIR", home)
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv("REGISTRY_AUTH_FILE", "")
	return cfg
}

func writeDockerConfig(t *testing.T, dir string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func needSkopeo(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("skopeo"); err != nil {
		t.Skip("skopeo is not installed; it is the independent client this test pulls with (apt-get install skopeo)")
	}
}

func skopeo(t *testing.T, args ...string) []byte {
	t.Helper()
	// --insecure-policy: the host's signature policy is not under test.
	cmd := exec.Command("skopeo", append([]string{"--insecure-policy"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("skopeo %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// treeDigests maps every regular file under dir to the sha256 of its bytes.
func treeDigests(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			out[rel+"/"] = "dir"
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s := sha256.Sum256(b)
		out[rel] = hex.EncodeToString(s[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// blobsOf lists digest -> bytes of every blob in a layout.
func blobsOf(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	ents, err := os.ReadDir(filepath.Join(dir, "blobs", "sha256"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, "blobs", "sha256", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out["sha256:"+e.Name()] = b
	}
	return out
}

func pushCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// ---- round trips ----------------------------------------------------------

func TestPushImageRoundTripsThroughSkopeo(t *testing.T) {
	needSkopeo(t)
	isolateCredentials(t)
	reg := registrytest.Start(t, registrytest.Options{})
	dir, want := imageLayout(t)
	repo := reg.Host + "/tiny/hello"

	res, err := Push(pushCtx(t), Options{Layout: dir, Repository: repo, Tags: []string{"v1", "latest"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Digest != want.String() {
		t.Errorf("pushed digest %s, layout manifest is %s", res.Digest, want)
	}
	if res.Ref != repo+"@"+want.String() {
		t.Errorf("Ref = %q", res.Ref)
	}
	if got := strings.Join(res.Tags, " "); got != repo+":v1 "+repo+":latest" {
		t.Errorf("Tags = %q", got)
	}

	// Both tags resolve to the layout's manifest, as an independent client sees it.
	for _, tag := range []string{"v1", "latest"} {
		var info struct{ Digest string }
		if err := json.Unmarshal(skopeo(t, "inspect", "--tls-verify=false", "docker://"+repo+":"+tag), &info); err != nil {
			t.Fatal(err)
		}
		if info.Digest != want.String() {
			t.Errorf("skopeo inspect %s: digest %s, want %s", tag, info.Digest, want)
		}
	}

	// Pull everything back and compare byte for byte.
	pulled := filepath.Join(t.TempDir(), "pulled")
	skopeo(t, "copy", "--preserve-digests", "--src-tls-verify=false", "docker://"+repo+":v1", "oci:"+pulled+":v1")
	orig, back := blobsOf(t, dir), blobsOf(t, pulled)
	if len(orig) != 4 { // manifest, config, two layers
		t.Fatalf("fixture has %d blobs, want 4", len(orig))
	}
	for d, b := range orig {
		if !bytes.Equal(back[d], b) {
			t.Errorf("blob %s: pulled %d bytes, pushed %d, or content differs", d, len(back[d]), len(b))
		}
	}
	if len(back) != len(orig) {
		t.Errorf("pulled %d blobs, pushed %d", len(back), len(orig))
	}
}

func TestPushImageIndexRoundTripsThroughSkopeo(t *testing.T) {
	needSkopeo(t)
	isolateCredentials(t)
	reg := registrytest.Start(t, registrytest.Options{})
	dir, want := indexLayout(t)
	repo := reg.Host + "/tiny/multi"

	res, err := Push(pushCtx(t), Options{Layout: dir, Repository: repo, Tags: []string{"v1"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Digest != want.String() || res.MediaType != string(types.OCIImageIndex) {
		t.Fatalf("pushed %s %s, want index %s", res.MediaType, res.Digest, want)
	}
	// The registry serves the index bytes from the layout unchanged.
	raw := skopeo(t, "inspect", "--raw", "--tls-verify=false", "docker://"+repo+":v1")
	layoutBlobs := blobsOf(t, dir)
	if !bytes.Equal(raw, layoutBlobs[want.String()]) {
		t.Errorf("registry index differs from the layout's:\n%s\n%s", raw, layoutBlobs[want.String()])
	}
	pulled := filepath.Join(t.TempDir(), "pulled")
	skopeo(t, "copy", "--all", "--preserve-digests", "--src-tls-verify=false", "docker://"+repo+":v1", "oci:"+pulled+":v1")
	back := blobsOf(t, pulled)
	if len(layoutBlobs) != 9 { // index + 2 x (manifest, config, 2 layers)
		t.Fatalf("fixture has %d blobs, want 9", len(layoutBlobs))
	}
	for d, b := range layoutBlobs {
		if !bytes.Equal(back[d], b) {
			t.Errorf("blob %s missing or different after the round trip", d)
		}
	}
}

func TestPushIndexFlagPushesIndexJSONItself(t *testing.T) {
	needSkopeo(t)
	isolateCredentials(t)
	reg := registrytest.Start(t, registrytest.Options{})
	dir := filepath.Join(t.TempDir(), "two")
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	for _, arch := range []string{"amd64", "386"} {
		if err := p.AppendImage(ociImage(t, arch), layout.WithPlatform(v1.Platform{OS: "linux", Architecture: arch})); err != nil {
			t.Fatal(err)
		}
	}
	repo := reg.Host + "/tiny/two"

	_, err = Push(pushCtx(t), Options{Layout: dir, Repository: repo, Tags: []string{"v1"}})
	if err == nil || !strings.Contains(err.Error(), "lists 2 manifests") || !strings.Contains(err.Error(), "--index") {
		t.Fatalf("without Index: err = %v, want a hint at --index", err)
	}
	if n := len(reg.Requests()); n != 0 {
		t.Errorf("a refused layout still sent %d requests", n)
	}

	res, err := Push(pushCtx(t), Options{Layout: dir, Repository: repo, Tags: []string{"v1"}, Index: true})
	if err != nil {
		t.Fatal(err)
	}
	indexJSON, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(indexJSON)
	if res.Digest != "sha256:"+hex.EncodeToString(sum[:]) {
		t.Errorf("pushed %s, want the digest of index.json", res.Digest)
	}
	if raw := skopeo(t, "inspect", "--raw", "--tls-verify=false", "docker://"+repo+":v1"); !bytes.Equal(raw, indexJSON) {
		t.Errorf("registry serves %s, want index.json's bytes", raw)
	}
}

func TestPushByDigestWithoutTags(t *testing.T) {
	isolateCredentials(t)
	reg := registrytest.Start(t, registrytest.Options{})
	dir, want := imageLayout(t)
	res, err := Push(pushCtx(t), Options{Layout: dir, Repository: reg.Host + "/untagged"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Ref != reg.Host+"/untagged@"+want.String() || len(res.Tags) != 0 {
		t.Errorf("Result = %+v", res)
	}
	var puts []string
	for _, r := range reg.Requests() {
		if r.Kind == registrytest.KindManifestPut {
			puts = append(puts, r.Path)
		}
	}
	if len(puts) != 1 || !strings.HasSuffix(puts[0], "/manifests/"+want.String()) {
		t.Errorf("manifest PUTs %v, want one by digest", puts)
	}
}

// ---- idempotence ----------------------------------------------------------

func TestPushingTheSameBuildTwiceUploadsNoBlob(t *testing.T) {
	isolateCredentials(t)
	reg := registrytest.Start(t, registrytest.Options{})
	dir, _ := indexLayout(t)
	repo := reg.Host + "/tiny/again"
	opts := Options{Layout: dir, Repository: repo, Tags: []string{"v1"}}

	if _, err := Push(pushCtx(t), opts); err != nil {
		t.Fatal(err)
	}
	// The first push must upload every blob (config + layers of two images:
	// 6), or the counter below proves nothing. Each upload is a POST and a PUT.
	if got := committedUploads(reg); got != 6 {
		t.Fatalf("first push committed %d blob uploads, want 6; requests: %v", got, reg.Requests())
	}
	if got := reg.Count(registrytest.KindManifestPut); got != 3 {
		t.Fatalf("first push wrote %d manifests, want 3 (2 images + index)", got)
	}

	reg.Reset()
	if _, err := Push(pushCtx(t), opts); err != nil {
		t.Fatal(err)
	}
	if got := reg.Count(registrytest.KindBlobUpload); got != 0 {
		t.Errorf("second push of the same tag made %d blob upload requests, want 0", got)
	}
	if got := reg.Count(registrytest.KindManifestPut); got != 0 {
		t.Errorf("second push of the same tag wrote %d manifests, want 0", got)
	}

	// A new tag for the same build: only the tag's manifest PUT.
	reg.Reset()
	opts.Tags = []string{"v2"}
	if _, err := Push(pushCtx(t), opts); err != nil {
		t.Fatal(err)
	}
	if got := reg.Count(registrytest.KindBlobUpload); got != 0 {
		t.Errorf("pushing under a new tag made %d blob upload requests, want 0", got)
	}
	if got := reg.Count(registrytest.KindManifestPut); got != 1 {
		t.Errorf("pushing under a new tag wrote %d manifests, want 1", got)
	}
}

// committedUploads counts blob upload completions (the PUT ending a session).
func committedUploads(reg *registrytest.Registry) int {
	n := 0
	for _, r := range reg.Requests() {
		if r.Kind == registrytest.KindBlobUpload && r.Method == "PUT" && r.Status == 201 {
			n++
		}
	}
	return n
}

// ---- credentials ----------------------------------------------------------

var users = map[string]string{"alice": "s3cret-pass"}

func TestPushWithoutCredentialsSaysAuthenticationRequired(t *testing.T) {
	isolateCredentials(t)
	reg := registrytest.Start(t, registrytest.Options{Users: users})
	dir, _ := imageLayout(t)
	_, err := Push(pushCtx(t), Options{Layout: dir, Repository: reg.Host + "/private", Tags: []string{"v1"}})
	if err == nil {
		t.Fatal("push to an auth-only registry without credentials succeeded")
	}
	t.Logf("error: %v", err)
	for _, want := range []string{"authentication required", reg.Host, "docker login"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if n := committedUploads(reg); n != 0 {
		t.Errorf("%d blobs were stored without credentials", n)
	}
}

func TestPushWithDockerConfigCredentialsSucceeds(t *testing.T) {
	cfg := isolateCredentials(t)
	reg := registrytest.Start(t, registrytest.Options{Users: users})
	writeDockerConfig(t, cfg, map[string]any{"auths": map[string]any{
		reg.Host: map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte("alice:s3cret-pass"))},
	}})
	dir, want := imageLayout(t)
	res, err := Push(pushCtx(t), Options{Layout: dir, Repository: reg.Host + "/private", Tags: []string{"v1"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Digest != want.String() {
		t.Errorf("pushed %s, want %s", res.Digest, want)
	}
	if committedUploads(reg) != 3 {
		t.Errorf("want 3 blobs stored, requests: %v", reg.Requests())
	}
	if _, err := exec.LookPath("skopeo"); err == nil {
		var info struct{ Digest string }
		out := skopeo(t, "inspect", "--tls-verify=false", "--creds", "alice:s3cret-pass", "docker://"+reg.Host+"/private:v1")
		if err := json.Unmarshal(out, &info); err != nil || info.Digest != want.String() {
			t.Errorf("skopeo sees %s (%v), want %s", info.Digest, err, want)
		}
	}
}

func TestPushWithWrongPasswordSaysCredentialsRejected(t *testing.T) {
	cfg := isolateCredentials(t)
	reg := registrytest.Start(t, registrytest.Options{Users: users})
	writeDockerConfig(t, cfg, map[string]any{"auths": map[string]any{
		reg.Host: map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte("alice:wrong"))},
	}})
	dir, _ := imageLayout(t)
	_, err := Push(pushCtx(t), Options{Layout: dir, Repository: reg.Host + "/private"})
	if err == nil || !strings.Contains(err.Error(), "rejected") || !strings.Contains(err.Error(), reg.Host) {
		t.Fatalf("err = %v, want credentials rejected by %s", err, reg.Host)
	}
}

func TestPushUsesDockerCredentialHelpers(t *testing.T) {
	cfg := isolateCredentials(t)
	reg := registrytest.Start(t, registrytest.Options{Users: users})
	// A real credential helper program, found on PATH as docker does: it
	// answers "get" with the secret for the registry it is asked about.
	bin := t.TempDir()
	helper := "#!/bin/sh\nread host\n[ \"$1\" = get ] || exit 1\n" +
		"printf '{\"ServerURL\":\"%s\",\"Username\":\"alice\",\"Secret\":\"s3cret-pass\"}' \"$host\"\n"
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-tinytest"), []byte(helper), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	writeDockerConfig(t, cfg, map[string]any{"credHelpers": map[string]string{reg.Host: "tinytest"}})
	dir, _ := imageLayout(t)
	if _, err := Push(pushCtx(t), Options{Layout: dir, Repository: reg.Host + "/helped", Tags: []string{"v1"}}); err != nil {
		t.Fatal(err)
	}
	if committedUploads(reg) != 3 {
		t.Errorf("want 3 blobs stored, requests: %v", reg.Requests())
	}
}

// ---- failures -------------------------------------------------------------

// deadRegistry returns a loopback address nothing listens on.
func deadRegistry(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestPushToDownRegistryNamesItAndWritesNothing(t *testing.T) {
	cfg := isolateCredentials(t)
	dir, _ := imageLayout(t)
	host := deadRegistry(t)
	work := t.TempDir()
	t.Chdir(work)
	before := treeDigests(t, filepath.Dir(dir))
	beforeCfg := treeDigests(t, cfg)

	start := time.Now()
	_, err := Push(pushCtx(t), Options{Layout: dir, Repository: host + "/app", Tags: []string{"v1"}})
	if err == nil {
		t.Fatal("push to a closed port succeeded")
	}
	t.Logf("error: %v", err)
	if !strings.Contains(err.Error(), "registry "+host+" is unreachable") {
		t.Errorf("error %q does not say registry %s is unreachable", err, host)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %v to report a refused connection", d)
	}
	if after := treeDigests(t, filepath.Dir(dir)); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("layout tree changed:\n%v\n%v", before, after)
	}
	if after := treeDigests(t, cfg); fmt.Sprint(after) != fmt.Sprint(beforeCfg) {
		t.Errorf("docker config dir changed")
	}
	if ents, _ := os.ReadDir(work); len(ents) != 0 {
		t.Errorf("push left files in the working directory: %v", ents)
	}
}

// A registry on a non-loopback address speaking plain HTTP is refused unless
// Insecure is set, even when it is a private (RFC 1918) address that
// go-containerregistry alone would downgrade for.
func TestPlainHTTPOnlyForLoopbackUnlessInsecure(t *testing.T) {
	isolateCredentials(t)
	ip := nonLoopbackIPv4(t)
	reg := registrytest.Start(t, registrytest.Options{Addr: net.JoinHostPort(ip, "0")})
	dir, want := imageLayout(t)

	_, err := Push(pushCtx(t), Options{Layout: dir, Repository: reg.Host + "/app", Tags: []string{"v1"}})
	if err == nil {
		t.Fatalf("pushed over plain HTTP to %s without Insecure", reg.Host)
	}
	t.Logf("error: %v", err)
	if !errors.Is(err, ErrPlainHTTP) && !strings.Contains(err.Error(), ErrPlainHTTP.Error()) {
		t.Errorf("error %q does not explain the plain-HTTP refusal", err)
	}
	if n := reg.Count(registrytest.KindBlobUpload) + reg.Count(registrytest.KindPing); n != 0 {
		t.Errorf("%d plain-HTTP requests reached the registry", n)
	}

	res, err := Push(pushCtx(t), Options{Layout: dir, Repository: reg.Host + "/app", Tags: []string{"v1"}, Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Digest != want.String() {
		t.Errorf("pushed %s, want %s", res.Digest, want)
	}
}

func nonLoopbackIPv4(t *testing.T) string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Skipf("listing interfaces: %v", err)
	}
	var ips []string
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() {
			ips = append(ips, n.IP.String())
		}
	}
	if len(ips) == 0 {
		t.Skip("no non-loopback IPv4 address on this machine to run a registry on")
	}
	// Prefer a private address: that is the case go-containerregistry alone
	// would send over plain HTTP.
	sort.SliceStable(ips, func(i, j int) bool { return net.ParseIP(ips[i]).IsPrivate() && !net.ParseIP(ips[j]).IsPrivate() })
	return ips[0]
}

func TestBrokenLayoutsFailBeforeAnyRequest(t *testing.T) {
	isolateCredentials(t)
	reg := registrytest.Start(t, registrytest.Options{})
	good, d := imageLayout(t)

	missingBlob := copyTree(t, good)
	m, err := layout.Path(missingBlob).Bytes(d)
	if err != nil {
		t.Fatal(err)
	}
	var man v1.Manifest
	if err := json.Unmarshal(m, &man); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(missingBlob, "blobs", "sha256", man.Layers[1].Digest.Hex))

	noMarker := copyTree(t, good)
	os.Remove(filepath.Join(noMarker, "oci-layout"))

	emptyIndex := copyTree(t, good)
	os.WriteFile(filepath.Join(emptyIndex, "index.json"), []byte(`{"schemaVersion":2,"manifests":[]}`), 0o644)

	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, []byte("x"), 0o644)

	for _, tc := range []struct {
		name, dir, want string
	}{
		{"missing blob", missingBlob, "missing blob " + man.Layers[1].Digest.String()},
		{"no oci-layout", noMarker, "is not an OCI image layout"},
		{"no manifests", emptyIndex, "lists 0 manifests"},
		{"not a directory", file, "is not a directory"},
		{"does not exist", filepath.Join(t.TempDir(), "nope"), "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Push(pushCtx(t), Options{Layout: tc.dir, Repository: reg.Host + "/x", Tags: []string{"v1"}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
	if n := len(reg.Requests()); n != 0 {
		t.Errorf("broken layouts sent %d requests", n)
	}
}

func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "copy")
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestRepositoryAndTagValidation(t *testing.T) {
	for _, tc := range []struct {
		repo string
		tags []string
		want string // "" means valid
	}{
		{"127.0.0.1:5000/app", []string{"v1"}, ""},
		{"localhost/app", nil, ""},
		{"docker.io/user/app", []string{"v1"}, ""},
		{"registry.example.com/team/app", []string{"1.2.3", "latest"}, ""},
		{"app", nil, "no registry host"},
		{"team/app", nil, "no registry host"},
		{"127.0.0.1:5000", nil, "no registry host"},
		{"127.0.0.1:5000/app:v1", nil, "has a tag"},
		{"127.0.0.1:5000/app@sha256:" + strings.Repeat("0", 64), nil, "has a digest"},
		{"127.0.0.1:5000/App", nil, "invalid repository"},
		{"127.0.0.1:5000/app", []string{"bad tag"}, "invalid tag"},
		{"127.0.0.1:5000/app", []string{"a:b"}, "invalid tag"},
		{"127.0.0.1:5000/app", []string{""}, "invalid tag"},
	} {
		repo, err := ParseRepository(tc.repo, false)
		if err == nil {
			_, err = parseTags(repo, tc.tags)
		}
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s %v: unexpected error %v", tc.repo, tc.tags, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s %v: err = %v, want %q", tc.repo, tc.tags, err, tc.want)
		}
	}
}

func TestLoopbackHosts(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "localhost:5000": true, "reg.localhost:80": true,
		"127.0.0.1:5000": true, "127.1.2.3": true, "[::1]:5000": true, "::1": true,
		"10.0.0.1:5000": false, "192.168.1.1": false, "172.17.0.1:5000": false,
		"registry.example.com": false, "localhost.example.com": false, "[::ffff:10.0.0.1]:80": false,
	} {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

// The keychain is consulted for the repository being pushed, so a config
// with credentials for another registry only does not count as credentials.
func TestCredentialsForAnotherRegistryDoNotCount(t *testing.T) {
	cfg := isolateCredentials(t)
	reg := registrytest.Start(t, registrytest.Options{Users: users})
	writeDockerConfig(t, cfg, map[string]any{"auths": map[string]any{
		"elsewhere.example.com": map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte("alice:s3cret-pass"))},
	}})
	a, err := authn.DefaultKeychain.Resolve(mustRepo(t, reg.Host+"/x"))
	if err != nil || a != authn.Anonymous {
		t.Fatalf("keychain gave %v, %v for an unlisted registry", a, err)
	}
	dir, _ := imageLayout(t)
	_, err = Push(pushCtx(t), Options{Layout: dir, Repository: reg.Host + "/x"})
	if err == nil || !strings.Contains(err.Error(), "authentication required") {
		t.Fatalf("err = %v", err)
	}
}

func mustRepo(t *testing.T, s string) authn.Resource {
	r, err := ParseRepository(s, false)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// symlinkTree mirrors src as a tree of symlinks to its files, the way Bazel
// lays out runfiles and sandboxes.
func symlinkTree(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "links")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		abs, _ := filepath.Abs(p)
		return os.Symlink(abs, filepath.Join(dst, rel))
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestPushLayoutMadeOfSymlinksAsInBazelRunfiles(t *testing.T) {
	isolateCredentials(t)
	reg := registrytest.Start(t, registrytest.Options{})
	for _, mk := range []func(*testing.T) (string, v1.Hash){imageLayout, indexLayout} {
		dir, want := mk(t)
		links := symlinkTree(t, dir)
		res, err := Push(pushCtx(t), Options{Layout: links, Repository: reg.Host + "/linked", Tags: []string{"v1"}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Digest != want.String() {
			t.Errorf("pushed %s, want %s", res.Digest, want)
		}
	}
}

func TestCorruptBlobIsRefusedBeforeUpload(t *testing.T) {
	isolateCredentials(t)
	reg := registrytest.Start(t, registrytest.Options{})
	for _, mk := range []func(*testing.T) (string, v1.Hash){imageLayout, indexLayout} {
		dir, _ := mk(t)
		// Flip one byte of the largest blob (a layer), keeping its size.
		ents, _ := os.ReadDir(filepath.Join(dir, "blobs", "sha256"))
		var victim string
		var size int64
		for _, e := range ents {
			if fi, _ := e.Info(); fi.Size() > size {
				victim, size = e.Name(), fi.Size()
			}
		}
		p := filepath.Join(dir, "blobs", "sha256", victim)
		b, _ := os.ReadFile(p)
		b[len(b)/2] ^= 0xff
		os.WriteFile(p, b, 0o644)
		_, err := Push(pushCtx(t), Options{Layout: dir, Repository: reg.Host + "/corrupt", Tags: []string{"v1"}})
		if err == nil || !strings.Contains(err.Error(), "corrupt layout") || !strings.Contains(err.Error(), victim) {
			t.Errorf("err = %v, want a corrupt-layout error naming %s", err, victim)
		}
	}
	if n := len(reg.Requests()); n != 0 {
		t.Errorf("corrupt layouts sent %d requests", n)
	}
}

// An HTTPS registry with a certificate nobody trusts: refused with the TLS
// error, accepted with Insecure (which skips verification), never downgraded
// to plain HTTP behind the user's back.
func TestUntrustedTLSNeedsInsecure(t *testing.T) {
	isolateCredentials(t)
	ip := nonLoopbackIPv4(t)
	reg := registrytest.Start(t, registrytest.Options{Addr: net.JoinHostPort(ip, "0"), TLS: true})
	dir, want := imageLayout(t)
	_, err := Push(pushCtx(t), Options{Layout: dir, Repository: reg.Host + "/tls", Tags: []string{"v1"}})
	if err == nil || !strings.Contains(err.Error(), "TLS certificate is not trusted") || !strings.Contains(err.Error(), "--insecure") {
		t.Fatalf("err = %v, want an untrusted-certificate error that points at --insecure", err)
	}
	t.Logf("error: %v", err)
	res, err := Push(pushCtx(t), Options{Layout: dir, Repository: reg.Host + "/tls", Tags: []string{"v1"}, Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Digest != want.String() || committedUploads(reg) != 3 {
		t.Errorf("pushed %s with %d uploads; want %s and 3", res.Digest, committedUploads(reg), want)
	}
}
