package layout

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/rules-tiny/rules_tiny/tools/image/blob"
)

// sample is a small but complete image layout.
func sample(t testing.TB) *Layout {
	t.Helper()
	l := New()
	layer := l.AddBlob(ocispec.MediaTypeImageLayer, bytes.Repeat([]byte{0}, 1024))
	cfg, err := l.AddJSON(ocispec.MediaTypeImageConfig, ocispec.Image{
		Platform: ocispec.Platform{OS: "linux", Architecture: "amd64"},
		RootFS:   ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{layer.Digest}},
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := l.AddJSON(ocispec.MediaTypeImageManifest, ocispec.Manifest{
		MediaType: ocispec.MediaTypeImageManifest, Config: cfg, Layers: []ocispec.Descriptor{layer},
	})
	if err != nil {
		t.Fatal(err)
	}
	m.Annotations = map[string]string{ocispec.AnnotationRefName: "latest"}
	l.Index.Manifests = []ocispec.Descriptor{m}
	l.Docker = []DockerImage{{Config: cfg.Digest, RepoTags: []string{"hello:latest"}, Layers: []digest.Digest{layer.Digest}}}
	return l
}

// contents reads every blob of a layout.
func contents(t testing.TB, l *Layout) map[digest.Digest]string {
	t.Helper()
	m := map[digest.Digest]string{}
	for d, b := range l.Blobs {
		data, err := blob.ReadAll(b, 1<<30)
		if err != nil {
			t.Fatalf("blob %s: %v", d, err)
		}
		m[d] = string(data)
	}
	return m
}

func TestMarshalIsCompactAndKeepsHTMLCharacters(t *testing.T) {
	b, err := Marshal(map[string]any{"b": "<&>", "a": []int{1}})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"a":[1],"b":"<&>"}` {
		t.Fatalf("%s", b)
	}
}

func TestWriteDirThenReadRoundTrips(t *testing.T) {
	l := sample(t)
	dir := filepath.Join(t.TempDir(), "img")
	old := syscall.Umask(0o077) // the umask must not decide the modes
	err := l.WriteDir(dir)
	syscall.Umask(old)
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{"": 0o755, "blobs": 0o755, "blobs/sha256": 0o755, "index.json": 0o644, "oci-layout": 0o644} {
		fi, err := os.Stat(filepath.Join(dir, p))
		if err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v %v, want %v", p, fi.Mode(), err, want)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "oci-layout")); string(b) != `{"imageLayoutVersion":"1.0.0"}` {
		t.Errorf("oci-layout %s", b)
	}
	back, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(contents(t, back), contents(t, l)) || !reflect.DeepEqual(back.Index, l.Index) {
		t.Fatal("layout read back differs")
	}
}

func TestReadRejectsDamagedLayouts(t *testing.T) {
	l := sample(t)
	m := l.Index.Manifests[0]
	for _, tc := range []struct {
		name   string
		damage func(dir string)
		want   string
	}{
		{"tampered blob", func(dir string) {
			os.WriteFile(filepath.Join(dir, BlobPath(m.Digest)), []byte(contents(t, l)[m.Digest][:m.Size-1]+"!"), 0o644)
		}, "does not match its digest"},
		{"short blob", func(dir string) { os.WriteFile(filepath.Join(dir, BlobPath(m.Digest)), []byte("{}"), 0o644) }, "descriptor says"},
		{"missing blob", func(dir string) { os.Remove(filepath.Join(dir, BlobPath(m.Digest))) }, "no such file"},
		{"no oci-layout", func(dir string) { os.Remove(filepath.Join(dir, "oci-layout")) }, "not an OCI image layout"},
		{"layout version", func(dir string) {
			os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"2"}`), 0o644)
		}, "version"},
		{"bad index", func(dir string) { os.WriteFile(filepath.Join(dir, "index.json"), []byte(`[`), 0o644) }, "index.json"},
		{"bad digest", func(dir string) {
			os.WriteFile(filepath.Join(dir, "index.json"), []byte(`{"schemaVersion":2,"manifests":[{"mediaType":"x","digest":"sha256:../../etc/passwd","size":1}]}`), 0o644)
		}, "digest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "img")
			if err := l.WriteDir(dir); err != nil {
				t.Fatal(err)
			}
			tc.damage(dir)
			if _, err := Read(dir); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func tarballBytes(t testing.TB, l *Layout) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := l.WriteTarballTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestTarballHoldsLayoutAndDockerFiles(t *testing.T) {
	l := sample(t)
	b := tarballBytes(t, l)
	b2 := tarballBytes(t, sample(t))
	if !bytes.Equal(b, b2) {
		t.Fatal("tarball bytes differ between two identical layouts")
	}
	tr := tar.NewReader(bytes.NewReader(b))
	files := map[string][]byte{}
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		names = append(names, h.Name)
		files[h.Name] = data
	}
	var want []string
	want = append(want, "blobs/", "blobs/sha256/")
	var blobNames []string
	for d := range l.Blobs {
		blobNames = append(blobNames, BlobPath(d))
	}
	sort.Strings(blobNames)
	want = append(want, blobNames...)
	want = append(want, "index.json", "manifest.json", "oci-layout", "repositories")
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("entries %v\nwant %v", names, want)
	}
	var dm []map[string]any
	if err := json.Unmarshal(files["manifest.json"], &dm); err != nil {
		t.Fatal(err)
	}
	d := l.Docker[0]
	wantDM := `[{"Config":"` + BlobPath(d.Config) + `","RepoTags":["hello:latest"],"Layers":["` + BlobPath(d.Layers[0]) + `"]}]`
	if string(files["manifest.json"]) != wantDM {
		t.Fatalf("manifest.json %s\nwant %s", files["manifest.json"], wantDM)
	}
	if string(files["repositories"]) != `{"hello":{"latest":"`+d.Layers[0].Encoded()+`"}}` {
		t.Fatalf("repositories %s", files["repositories"])
	}
}

func TestReadTarballMatchesTheDirectory(t *testing.T) {
	l := sample(t)
	tp := filepath.Join(t.TempDir(), "img.tar")
	if err := l.WriteTarball(tp); err != nil {
		t.Fatal(err)
	}
	back, err := ReadTarball(tp)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(contents(t, back), contents(t, l)) || !reflect.DeepEqual(back.Index, l.Index) {
		t.Fatal("layout read back from the tarball differs")
	}
	b, _ := os.ReadFile(tp)
	os.WriteFile(tp, b[:1536], 0o644) // cut inside the blobs
	if _, err := ReadTarball(tp); err == nil {
		t.Fatal("truncated tarball accepted")
	}
}

func FuzzRead(f *testing.F) {
	good := sample(f)
	idx, _ := Marshal(good.Index)
	f.Add(idx)
	f.Add([]byte(`{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":-1}]}`))
	f.Fuzz(func(t *testing.T, index []byte) {
		dir := filepath.Join(t.TempDir(), "img")
		good.WriteDir(dir)
		os.WriteFile(filepath.Join(dir, "index.json"), index, 0o644)
		r, err := Read(dir)
		if err != nil {
			return
		}
		for d, b := range r.Blobs {
			data, err := blob.ReadAll(b, 1<<20)
			if err == nil && digest.FromBytes(data) != d {
				t.Fatalf("blob %s read with other content", d)
			}
		}
	})
}

func TestWriteDirReplacesItsOwnLayoutButNothingElse(t *testing.T) {
	l := sample(t)
	dir := filepath.Join(t.TempDir(), "img")
	if err := l.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	if err := CheckReplaceable(dir); err != nil {
		t.Fatalf("a layout WriteDir wrote is not replaceable: %v", err)
	}
	if err := l.WriteDir(dir); err != nil {
		t.Fatalf("rewriting a layout: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "blobs", "sha256", "x.go"), []byte("package x"), 0o644)
	err := l.WriteDir(dir)
	if err == nil || !strings.Contains(err.Error(), "not an OCI image layout") {
		t.Fatalf("want a refusal, got %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "blobs", "sha256", "x.go")); string(b) != "package x" {
		t.Fatal("the foreign file was lost")
	}
}

// FuzzReadTarball: any file is refused or read as a layout whose blobs
// (read in place from the file) match their digests.
func FuzzReadTarball(f *testing.F) {
	good := sample(f)
	var b bytes.Buffer
	if err := good.WriteTarballTo(&b); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add(b.Bytes()[:1536])
	f.Add([]byte("not a tar"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "img.tar")
		os.WriteFile(p, data, 0o644)
		r, err := ReadTarball(p)
		if err != nil {
			return
		}
		for d, bl := range r.Blobs {
			got, err := blob.ReadAll(bl, 1<<20)
			if err == nil && digest.FromBytes(got) != d {
				t.Fatalf("blob %s read with other content", d)
			}
		}
	})
}
