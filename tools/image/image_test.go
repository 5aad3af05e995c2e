package image_test

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/rules-tiny/rules_tiny/tools/image"
	"github.com/rules-tiny/rules_tiny/tools/image/blob"
	"github.com/rules-tiny/rules_tiny/tools/image/compress"
	"github.com/rules-tiny/rules_tiny/tools/image/layout"
	"github.com/rules-tiny/rules_tiny/tools/internal/nasmgolden"
)

const seed = "testdata/hello" // 127-byte i386 hello, see testdata/hello.asm

// blobBytes reads a blob of a layout.
func blobBytes(t testing.TB, l *layout.Layout, d digest.Digest) []byte {
	t.Helper()
	b, err := blob.ReadAll(l.Blobs[d], 1<<30)
	if err != nil {
		t.Fatalf("blob %s: %v", d, err)
	}
	return b
}

// The seed binaries are what nasm makes of their sources: nasm's answer
// for each source is kept in testdata/NAME.nasm-bin.txt (with a hash of
// the source, so an edited source fails until -update asks nasm again).
func TestSeedBinaryIsReproducedByNasm(t *testing.T) {
	for _, name := range []string{"hello", "hello64"} {
		src, err := os.ReadFile("testdata/" + name + ".asm")
		if err != nil {
			t.Fatal(err)
		}
		golden := nasmgolden.Open(t, "testdata/"+name+".nasm-bin.txt", "nasm's bytes for testdata/"+name+".asm")
		args := []string{"-f", "bin", "-o", nasmgolden.Out, name + ".asm"}
		ans := golden.Answer(t, "nasm "+strings.Join(args, " "), src, func() nasmgolden.Answer {
			return nasmgolden.Run(t, "testdata", args)
		})
		if !ans.OK() {
			t.Fatalf("nasm: status %d\n%s", ans.Status, ans.Output)
		}
		want, _ := os.ReadFile("testdata/" + name)
		if got := ans.File(t, nasmgolden.Out); !bytes.Equal(got, want) {
			t.Fatalf("testdata/%s is stale: nasm makes %d bytes of %s.asm", name, len(got), name)
		}
	}
}

func TestParseFileSpec(t *testing.T) {
	for _, tc := range []struct {
		in        string
		src, dest string
		mode      int64
		err       string
	}{
		{"bin/hello", "bin/hello", "hello", -1, ""},
		{"out/hello:/hello", "out/hello", "hello", -1, ""},
		{"out/hello:/usr/bin/hello:0755", "out/hello", "usr/bin/hello", 0o755, ""},
		{"a:b:4711", "a", "b", 0o4711, ""},
		{"a:b:644", "a", "b", 0o644, ""},
		{"c:\\x:/y", "c:\\x", "y", -1, ""}, // a colon in SRC: DEST must follow
		{"a://x//y/", "", "", 0, "ends with a slash"},
		{"a:./x/./y", "a", "x/y", -1, ""},
		{"a:/../etc/passwd", "", "", 0, "escapes"},
		{"a:x/../../y", "", "", 0, "escapes"},
		{"a:..", "", "", 0, "escapes"},
		{"a:/", "", "", 0, "ends with a slash"},
		{"a:.", "", "", 0, "image root"},
		{"a:", "", "", 0, "empty destination"},
		{":b", "", "", 0, "empty source"},
		{"a:b:17777", "", "", 0, "out of range"},
		{"a:b\x00c", "", "", 0, "NUL"},
	} {
		f, err := image.ParseFileSpec(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseFileSpec(%q) err = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || f.Src != tc.src || f.Dest != tc.dest || f.Mode != tc.mode {
			t.Errorf("ParseFileSpec(%q) = %+v, %v; want %s %s %o", tc.in, f, err, tc.src, tc.dest, tc.mode)
		}
	}
}

func FuzzParseFileSpec(f *testing.F) {
	for _, s := range []string{"a", "a:b", "a:b:755", "a:/x/../y", "::", "a:b:c:d", "x:/usr//bin/./z:0644"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fs, err := image.ParseFileSpec(s)
		if err != nil {
			return
		}
		// Whatever is accepted is a clean relative path inside the root.
		if fs.Dest == "" || strings.HasPrefix(fs.Dest, "/") || filepath.Clean(fs.Dest) != fs.Dest {
			t.Fatalf("ParseFileSpec(%q) dest %q", s, fs.Dest)
		}
		for _, el := range strings.Split(fs.Dest, "/") {
			if el == ".." || el == "." || el == "" {
				t.Fatalf("ParseFileSpec(%q) dest %q has element %q", s, fs.Dest, el)
			}
		}
		if fs.Mode > 0o7777 || fs.Src == "" {
			t.Fatalf("ParseFileSpec(%q) = %+v", s, fs)
		}
	})
}

func build(t *testing.T, spec image.Spec) *image.Result {
	t.Helper()
	r, err := image.Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func seedSpec() image.Spec {
	return image.Spec{Files: []image.File{{Src: seed, Dest: "hello", Mode: -1}}, Tag: "hello:latest"}
}

// layerEntries decompresses an image's only layer and lists its tar headers.
func layerEntries(t *testing.T, r *image.Result) ([]*tar.Header, [][]byte) {
	t.Helper()
	alg, err := compress.ByMediaType(r.Layer.MediaType)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := compress.Decompress(alg, blobBytes(t, r.Layout, r.Layer.Digest), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(bytes.NewReader(tb))
	var hs []*tar.Header
	var data [][]byte
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return hs, data
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		hs = append(hs, h)
		data = append(data, b)
	}
}

func TestSeedImageFitsBudgetAndHoldsOnlyTheExecutable(t *testing.T) {
	r := build(t, seedSpec())
	bin, _ := os.ReadFile(seed)
	manifest := len(blobBytes(t, r.Layout, r.Manifest.Digest))
	total := manifest + int(r.Config.Size) + int(r.Layer.Size)
	t.Logf("seed image (%d-byte binary): manifest %d + config %d + layer %d = %d blob bytes", len(bin), manifest, r.Config.Size, r.Layer.Size, total)
	if total > 760 {
		t.Errorf("total blob bytes %d > 760", total)
	}
	hs, data := layerEntries(t, r)
	if len(hs) != 1 || hs[0].Name != "hello" || hs[0].Mode != 0o755 || !bytes.Equal(data[0], bin) {
		t.Fatalf("layer holds %d entries, first %+v", len(hs), hs[0])
	}
	if r.Platform.OS != "linux" || r.Platform.Architecture != "386" {
		t.Errorf("platform %+v, want linux/386 from the ELF machine", r.Platform)
	}
}

func TestConfigHasOnlyRequestedFields(t *testing.T) {
	r := build(t, seedSpec())
	cfg := string(blobBytes(t, r.Layout, r.Config.Digest))
	want := `{"architecture":"386","os":"linux","config":{"Entrypoint":["/hello"]},"rootfs":{"type":"layers","diff_ids":["sha256:`
	if !strings.HasPrefix(cfg, want) || strings.Contains(cfg, "created") || strings.Contains(cfg, "history") {
		t.Fatalf("config = %s", cfg)
	}
	spec := seedSpec()
	spec.Entrypoint = []string{"/hello", "-x"}
	spec.Cmd = []string{"a b"}
	spec.Env = []string{"A=1", "PATH=/"}
	spec.User = "65534:65534"
	spec.WorkingDir = "/"
	spec.Labels = []string{"z=1", "a=<&>"}
	spec.ExposedPorts = []string{"8080", "53/udp"}
	spec.Platform = "linux/amd64/v2" // not the seed's machine: the mismatch is allowed to pin the variant field
	spec.AllowPlatformMismatch = true
	created := time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	spec.Created = &created
	r = build(t, spec)
	cfg = string(blobBytes(t, r.Layout, r.Config.Digest))
	want = `{"created":"2024-01-02T02:04:05Z","architecture":"amd64","os":"linux","variant":"v2","config":{"User":"65534:65534","ExposedPorts":{"53/udp":{},"8080/tcp":{}},"Env":["A=1","PATH=/"],"Entrypoint":["/hello","-x"],"Cmd":["a b"],"WorkingDir":"/","Labels":{"a":"<&>","z":"1"}},"rootfs":`
	if !strings.HasPrefix(cfg, want) {
		t.Fatalf("config =\n%s\nwant prefix\n%s", cfg, want)
	}
}

func TestManifestAndIndexJSON(t *testing.T) {
	spec := seedSpec()
	spec.Annotations = []string{"org.opencontainers.image.source=https://example.com/x"}
	r := build(t, spec)
	var m ocispec.Manifest
	if err := json.Unmarshal(blobBytes(t, r.Layout, r.Manifest.Digest), &m); err != nil {
		t.Fatal(err)
	}
	if m.MediaType != ocispec.MediaTypeImageManifest || m.Config.MediaType != ocispec.MediaTypeImageConfig ||
		m.Layers[0].MediaType != ocispec.MediaTypeImageLayerGzip || m.Annotations["org.opencontainers.image.source"] != "https://example.com/x" {
		t.Fatalf("manifest %+v", m)
	}
	idx, _ := layout.Marshal(r.Layout.Index)
	if !strings.Contains(string(idx), `"org.opencontainers.image.ref.name":"latest"`) ||
		!strings.Contains(string(idx), `"io.containerd.image.name":"docker.io/library/hello:latest"`) {
		t.Fatalf("index.json = %s", idx)
	}
}

func TestNestedDestinationsGetFixedDirectoryEntries(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.txt")
	os.WriteFile(data, []byte("x"), 0o600)
	spec := image.Spec{Files: []image.File{
		{Src: seed, Dest: "usr/bin/hello", Mode: -1},
		{Src: data, Dest: "etc/data.txt", Mode: -1},
		{Src: data, Dest: "usr/share/d", Mode: 0o400},
	}}
	r := build(t, spec)
	hs, _ := layerEntries(t, r)
	var got []string
	for _, h := range hs {
		got = append(got, fmt.Sprintf("%s %c %o", h.Name, h.Typeflag, h.Mode))
	}
	want := []string{"etc/ 5 755", "etc/data.txt 0 644", "usr/ 5 755", "usr/bin/ 5 755", "usr/bin/hello 0 755", "usr/share/ 5 755", "usr/share/d 0 400"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("layer entries\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	cfg := string(blobBytes(t, r.Layout, r.Config.Digest))
	if !strings.Contains(cfg, `"Entrypoint":["/usr/bin/hello"]`) {
		t.Errorf("default entrypoint not the first file: %s", cfg)
	}
}

func TestFirstELFFileIsTheProgram(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.txt")
	os.WriteFile(data, []byte("x"), 0o644)
	r := build(t, image.Spec{Files: []image.File{
		{Src: data, Dest: "etc/data", Mode: -1},
		{Src: "testdata/hello64", Dest: "app", Mode: -1},
		{Src: seed, Dest: "other", Mode: -1},
	}})
	cfg := string(blobBytes(t, r.Layout, r.Config.Digest))
	if !strings.Contains(cfg, `"architecture":"amd64"`) || !strings.Contains(cfg, `"Entrypoint":["/app"]`) {
		t.Fatalf("config %s: want amd64 and /app from the first ELF file", cfg)
	}
}

func TestCompressionChoices(t *testing.T) {
	sizes := map[compress.Algorithm]int64{}
	for _, a := range []compress.Algorithm{compress.Gzip, compress.Zstd, compress.None} {
		spec := seedSpec()
		spec.Compression = a
		r := build(t, spec)
		if r.Layer.MediaType != a.MediaType() {
			t.Errorf("%s: media type %s", a, r.Layer.MediaType)
		}
		hs, _ := layerEntries(t, r)
		if len(hs) != 1 {
			t.Fatalf("%s: %d entries", a, len(hs))
		}
		sizes[a] = int64(len(blobBytes(t, r.Layout, r.Manifest.Digest))) + r.Config.Size + r.Layer.Size
		t.Logf("%s: manifest %d config %d layer %d total %d", a, len(blobBytes(t, r.Layout, r.Manifest.Digest)), r.Config.Size, r.Layer.Size, sizes[a])
	}
	if sizes[compress.None] <= sizes[compress.Gzip] {
		t.Errorf("uncompressed image not larger than gzip: %v", sizes)
	}
}

func TestSourceDateEpochSetsEveryMtime(t *testing.T) {
	spec := seedSpec()
	spec.Files = append(spec.Files, image.File{Src: seed, Dest: "a/b", Mode: -1})
	spec.SourceDateEpoch = 1700000000
	hs, _ := layerEntries(t, build(t, spec))
	for _, h := range hs {
		if h.ModTime.Unix() != 1700000000 {
			t.Errorf("%s mtime %d", h.Name, h.ModTime.Unix())
		}
	}
}

func TestBadSpecsAreRejected(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "link")
	abs, _ := filepath.Abs(seed)
	os.Symlink(abs, link)
	text := filepath.Join(dir, "text")
	os.WriteFile(text, []byte("not elf"), 0o644)
	f := func(src, dest string) []image.File { return []image.File{{Src: src, Dest: dest, Mode: -1}} }
	for _, tc := range []struct {
		name string
		mut  func(*image.Spec)
		want string
	}{
		{"no files", func(s *image.Spec) { s.Files = nil }, "no files"},
		{"missing file", func(s *image.Spec) { s.Files = f(filepath.Join(dir, "nope"), "x") }, "no such file"},
		{"directory input", func(s *image.Spec) { s.Files = f(dir, "x") }, "not a regular file"},
		{"symlink input", func(s *image.Spec) { s.Files = f(link, "x") }, "symbolic link"},
		{"duplicate dest", func(s *image.Spec) { s.Files = append(f(seed, "x"), f(seed, "/x")...) }, "duplicate destination"},
		{"file and dir", func(s *image.Spec) { s.Files = append(f(seed, "x"), f(seed, "x/y")...) }, "both a file"},
		{"escaping dest", func(s *image.Spec) { s.Files = f(seed, "../x") }, "escapes"},
		{"bad platform", func(s *image.Spec) { s.Platform = "linux/x86-64" }, "unknown architecture"},
		{"platform from non-ELF", func(s *image.Spec) { s.Files = f(text, "t") }, "no input is an ELF file"},
		{"env without =", func(s *image.Spec) { s.Env = []string{"PATH"} }, "no '='"},
		{"env empty name", func(s *image.Spec) { s.Env = []string{"=x"} }, "empty name"},
		{"env twice", func(s *image.Spec) { s.Env = []string{"A=1", "A=2"} }, "twice"},
		{"label without =", func(s *image.Spec) { s.Labels = []string{"x"} }, "KEY=VALUE"},
		{"annotation twice", func(s *image.Spec) { s.Annotations = []string{"a=1", "a=2"} }, "twice"},
		{"port 0", func(s *image.Spec) { s.ExposedPorts = []string{"0/tcp"} }, "1..65535"},
		{"port proto", func(s *image.Spec) { s.ExposedPorts = []string{"80/http"} }, "protocol"},
		{"relative workdir", func(s *image.Spec) { s.WorkingDir = "app" }, "not absolute"},
		{"bad tag", func(s *image.Spec) { s.Tag = "Hello:latest" }, "invalid repository"},
		{"bad compression", func(s *image.Spec) { s.Compression = "xz" }, "unknown compression"},
		{"negative epoch", func(s *image.Spec) { s.SourceDateEpoch = -1 }, "negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := seedSpec()
			tc.mut(&spec)
			_, err := image.Build(spec)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
	// Following symlinks on request reads the target.
	spec := seedSpec()
	spec.Files = f(link, "hello")
	spec.FollowSymlinks = true
	if _, err := image.Build(spec); err != nil {
		t.Fatalf("--follow-symlinks: %v", err)
	}
}

func TestIndexSortsByPlatformAndRejectsDuplicates(t *testing.T) {
	a := build(t, seedSpec())
	spec := seedSpec()
	spec.Files[0].Src = "testdata/hello64"
	b := build(t, spec)
	r1, err := image.BuildIndex([]*layout.Layout{b.Layout, a.Layout}, "hello:multi")
	if err != nil {
		t.Fatal(err)
	}
	r2, err := image.BuildIndex([]*layout.Layout{a.Layout, b.Layout}, "hello:multi")
	if err != nil {
		t.Fatal(err)
	}
	if r1.Manifest.Digest != r2.Manifest.Digest {
		t.Fatal("index digest depends on argument order")
	}
	var idx ocispec.Index
	json.Unmarshal(blobBytes(t, r1.Layout, r1.Manifest.Digest), &idx)
	if len(idx.Manifests) != 2 || idx.Manifests[0].Platform.Architecture != "386" || idx.Manifests[1].Platform.Architecture != "amd64" ||
		idx.Manifests[0].Digest != a.Manifest.Digest || idx.Manifests[1].Digest != b.Manifest.Digest {
		t.Fatalf("index %s", blobBytes(t, r1.Layout, r1.Manifest.Digest))
	}
	if len(r1.Layout.Docker) != 1 || r1.Layout.Docker[0].Config != b.Config.Digest {
		t.Errorf("docker manifest.json should carry the linux/amd64 image")
	}
	if _, err := image.BuildIndex([]*layout.Layout{a.Layout, a.Layout}, ""); err == nil || !strings.Contains(err.Error(), "second image for platform linux/386") {
		t.Errorf("duplicate platform: %v", err)
	}
	if _, err := image.BuildIndex([]*layout.Layout{r1.Layout}, ""); err == nil {
		t.Errorf("an index of an index was accepted")
	}
}

// BenchmarkSeedImage measures building the seed image in memory and writing
// both outputs (go test -bench SeedImage -run XXX ./tools/image).
func BenchmarkSeedImage(b *testing.B) {
	dir := b.TempDir()
	for i := 0; i < b.N; i++ {
		r, err := image.Build(seedSpec())
		if err != nil {
			b.Fatal(err)
		}
		if err := r.Layout.WriteDir(filepath.Join(dir, "layout")); err != nil {
			b.Fatal(err)
		}
		if err := r.Layout.WriteTarball(filepath.Join(dir, "image.tar")); err != nil {
			b.Fatal(err)
		}
	}
}

// The seed image's digests are pinned: any change to a byte of the tar, the
// compressors, the JSON or the defaults shows up here. Update
// testdata/seed-digests.txt deliberately when the format is meant to change.
func TestSeedImageDigestsArePinned(t *testing.T) {
	b, err := os.ReadFile("testdata/seed-digests.txt")
	if err != nil {
		t.Fatal(err)
	}
	pins := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if f := strings.Fields(line); len(f) == 2 && !strings.HasPrefix(line, "#") {
			pins[f[0]] = f[1]
		}
	}
	for _, a := range []compress.Algorithm{compress.Gzip, compress.Zstd, compress.None} {
		spec := seedSpec()
		spec.Compression = a
		got := build(t, spec).Manifest.Digest.String()
		if pins[string(a)] != got {
			t.Errorf("%s: seed image manifest %s, pinned %q", a, got, pins[string(a)])
		}
	}
}
