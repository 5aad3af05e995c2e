package size

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/rules-tiny/rules_tiny/tools/image"
	"github.com/rules-tiny/rules_tiny/tools/image/blob"
	"github.com/rules-tiny/rules_tiny/tools/image/compress"
	"github.com/rules-tiny/rules_tiny/tools/image/layout"
	"github.com/rules-tiny/rules_tiny/tools/internal/nasmgolden"
)

const seed = "../image/testdata/hello" // 127 bytes: 52 ELF header + 32 phdr + 43 code/data

// blobBytes reads a blob of a layout.
func blobBytes(t testing.TB, l *layout.Layout, d digest.Digest) []byte {
	t.Helper()
	b, err := blob.ReadAll(l.Blobs[d], 1<<30)
	if err != nil {
		t.Fatalf("blob %s: %v", d, err)
	}
	return b
}

func TestSeedELFBreakdown(t *testing.T) {
	r, err := Of(seed)
	if err != nil {
		t.Fatal(err)
	}
	want := &ELF{Kind: "elf", Class: "elf32", Machine: "386", FileBytes: 127, HeaderBytes: 84, CodeBytes: 43}
	if !reflect.DeepEqual(r, want) {
		t.Fatalf("got %+v\nwant %+v", r, want)
	}
	r, err = Of("../image/testdata/hello64")
	if err != nil {
		t.Fatal(err)
	}
	want = &ELF{Kind: "elf", Class: "elf64", Machine: "amd64", FileBytes: 165, HeaderBytes: 120, CodeBytes: 45}
	if !reflect.DeepEqual(r, want) {
		t.Fatalf("got %+v\nwant %+v", r, want)
	}
}

// GNU ld output, measured against debug/elf's reading of the same file
// (an independent parser) and readelf's header figures.
func TestGNULinkerOutputAgreesWithDebugELF(t *testing.T) {
	if _, err := exec.LookPath("ld"); err != nil {
		t.Skip("ld not installed")
	}
	src := `BITS 32
section .text
global _start
_start: mov eax, 1
 xor ebx, ebx
 int 0x80
section .data
d: dd 1, 2, 3
section .bss
b: resb 4096
`
	dir := t.TempDir()
	// nasm's object is checked in (testdata/nasm/
	// TestGNULinkerOutputAgreesWithDebugELF.txt); ld links it here.
	args := []string{"-f", "elf32", "-o", nasmgolden.Out, "a.asm"}
	ans := nasmgolden.ForTest(t).Answer(t, "nasm "+strings.Join(args, " "), []byte(src), func() nasmgolden.Answer {
		os.WriteFile(filepath.Join(dir, "a.asm"), []byte(src), 0o644)
		return nasmgolden.Run(t, dir, args)
	})
	if !ans.OK() {
		t.Fatalf("nasm: status %d\n%s", ans.Status, ans.Output)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.o"), ans.File(t, nasmgolden.Out), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		flags []string
	}{
		{"rwx", []string{"-N", "-s"}},
		{"noseparate", []string{"-z", "noseparate-code", "-s"}},
		{"separate", []string{"-z", "separate-code"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exe := filepath.Join(dir, tc.name)
			args := append([]string{"-m", "elf_i386", "-o", exe}, tc.flags...)
			if out, err := exec.Command("ld", append(args, filepath.Join(dir, "a.o"))...).CombinedOutput(); err != nil {
				t.Fatalf("ld: %v %s", err, out)
			}
			data, _ := os.ReadFile(exe)
			r, err := OfELF(data)
			if err != nil {
				t.Fatal(err)
			}
			f, err := elf.NewFile(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			var bss int64
			var loads int
			for _, p := range f.Progs {
				if p.Type == elf.PT_LOAD {
					bss += int64(p.Memsz - p.Filesz)
					loads++
				}
			}
			hdr := int64(52 + 32*len(f.Progs) + 40*len(f.Sections))
			if r.BSSBytes != bss || r.HeaderBytes != hdr || r.FileBytes != int64(len(data)) {
				t.Errorf("%+v; debug/elf: bss %d headers %d", r, bss, hdr)
			}
			if r.BSSBytes < 4096 || r.CodeBytes < 9 {
				t.Errorf("%+v: the 4096-byte bss or 9 bytes of code went missing", r)
			}
			if r.HeaderBytes+r.CodeBytes+r.DataBytes+r.OtherBytes != r.FileBytes {
				t.Errorf("%+v does not add up", r)
			}
			t.Logf("%s: %d PT_LOAD, %+v", tc.name, loads, r)
		})
	}
}

func TestCompactX86HeaderIsReadByMachine(t *testing.T) {
	good, _ := os.ReadFile(seed)
	c := append([]byte(nil), good...)
	c[4], c[5] = 'H', 'e' // what tiny link --compact may leave there
	r, err := OfELF(c)
	if err != nil || r.Class != "elf32" || r.Machine != "386" || r.FileBytes != int64(len(c)) {
		t.Fatalf("OfELF(compact-style header) = %+v, %v", r, err)
	}
}

func TestBadELFIsAnError(t *testing.T) {
	good, _ := os.ReadFile(seed)
	mut := func(off int, b ...byte) []byte {
		c := append([]byte(nil), good...)
		copy(c[off:], b)
		return c
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"not elf", []byte("#!/bin/sh\n"), "not an ELF"},
		{"phdr past end", mut(28, 0x70, 0), "runs past the end"},
		{"phentsize", mut(42, 33, 0), "e_phentsize"},
		// Outside x86 (machine 40, ARM) class and encoding bytes are trusted.
		{"class", mut(4, 9, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 40, 0), "class"},
		{"encoding", mut(4, 1, 9, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 40, 0), "encoding"},
		{"too many phdrs", mut(44, 0xff, 0xff), "runs past the end"},
	} {
		if _, err := OfELF(tc.data); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func writeImage(t *testing.T, src string, c compress.Algorithm) (*image.Result, string) {
	t.Helper()
	r, err := image.Build(image.Spec{Files: []image.File{{Src: src, Dest: "hello", Mode: -1}}, Compression: c, Tag: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "layout")
	if err := r.Layout.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	return r, dir
}

func TestImageBreakdown(t *testing.T) {
	for _, c := range []compress.Algorithm{compress.Gzip, compress.Zstd, compress.None} {
		r, dir := writeImage(t, seed, c)
		rep, err := Of(dir)
		if err != nil {
			t.Fatal(err)
		}
		im := rep.(*Image)
		manifest := int64(len(blobBytes(t, r.Layout, r.Manifest.Digest)))
		want := &Image{
			Kind: "image", Platform: "linux/386", ManifestDigest: r.Manifest.Digest,
			ContentBytes: 127, TarBytes: 2048, LayerBytes: r.Layer.Size, ConfigBytes: r.Config.Size,
			ManifestBytes: manifest, TotalBlobBytes: manifest + r.Config.Size + r.Layer.Size,
			Layers: []Layer{{Digest: r.Layer.Digest, MediaType: c.MediaType(), ContentBytes: 127, TarBytes: 2048, LayerBytes: r.Layer.Size}},
		}
		if !reflect.DeepEqual(im, want) {
			t.Fatalf("%s:\n got %+v\nwant %+v", c, im, want)
		}
		// The tarball form measures the same.
		tp := filepath.Join(t.TempDir(), "image.tar")
		if err := r.Layout.WriteTarball(tp); err != nil {
			t.Fatal(err)
		}
		fromTar, err := Of(tp)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fromTar, want) {
			t.Fatalf("%s tarball:\n got %+v\nwant %+v", c, fromTar, want)
		}
		t.Logf("%s: manifest %d config %d layer %d total %d", c, im.ManifestBytes, im.ConfigBytes, im.LayerBytes, im.TotalBlobBytes)
	}
}

func TestIndexBreakdownCountsSharedBlobsOnce(t *testing.T) {
	a, _ := writeImage(t, seed, compress.Gzip)
	b, _ := writeImage(t, "../image/testdata/hello64", compress.Gzip)
	ri, err := image.BuildIndex([]*layout.Layout{a.Layout, b.Layout}, "hello:multi")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "multi")
	ri.Layout.WriteDir(dir)
	rep, err := Of(dir)
	if err != nil {
		t.Fatal(err)
	}
	ix := rep.(*Index)
	var blobs int64
	for _, b := range ri.Layout.Blobs {
		blobs += b.Size()
	}
	if ix.TotalBlobBytes != blobs || len(ix.Images) != 2 || ix.IndexBytes != ri.Manifest.Size ||
		ix.ContentBytes != 127+165 || ix.Images[0].Platform != "linux/386" || ix.Images[1].Platform != "linux/amd64" {
		t.Fatalf("%+v; blobs in layout %d", ix, blobs)
	}
	// Two images sharing their layer: the layer counts once in the total.
	c, _ := writeImage(t, seed, compress.Gzip)
	spec := image.Spec{Files: []image.File{{Src: seed, Dest: "hello", Mode: -1}}, Platform: "linux/amd64", AllowPlatformMismatch: true}
	d, err := image.Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	ri, _ = image.BuildIndex([]*layout.Layout{c.Layout, d.Layout}, "")
	dir = filepath.Join(t.TempDir(), "shared")
	ri.Layout.WriteDir(dir)
	rep, _ = Of(dir)
	ix = rep.(*Index)
	if ix.LayerBytes != 2*c.Layer.Size || ix.TotalBlobBytes != ix.IndexBytes+ix.ManifestBytes+ix.ConfigBytes+c.Layer.Size {
		t.Fatalf("shared layer: %+v", ix)
	}
}

// The JSON names are the size_test rule's contract: this pins them.
func TestJSONFieldNamesAreStable(t *testing.T) {
	keys := func(v any) string {
		b, _ := json.Marshal(v)
		var m map[string]any
		json.Unmarshal(b, &m)
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		return strings.Join(ks, " ")
	}
	for _, tc := range []struct {
		v    any
		want string
	}{
		{ELF{}, "bss_bytes class code_bytes data_bytes file_bytes header_bytes kind machine other_bytes"},
		{Image{}, "config_bytes content_bytes kind layer_bytes layers manifest_bytes manifest_digest platform tar_bytes total_blob_bytes"},
		{Layer{}, "content_bytes digest layer_bytes media_type tar_bytes"},
		{Index{}, "config_bytes content_bytes images index_bytes index_digest kind layer_bytes manifest_bytes tar_bytes total_blob_bytes"},
	} {
		if got := keys(tc.v); got != tc.want {
			t.Errorf("%T fields %q, want %q", tc.v, got, tc.want)
		}
	}
}

func TestTopLevelFieldsPrecedeNestedReports(t *testing.T) {
	for _, v := range []any{Image{Layers: []Layer{{}}}, Index{Images: []Image{{}}}} {
		b, _ := json.Marshal(v)
		s := string(b)
		nested := strings.Index(s, `"layers"`)
		if i := strings.Index(s, `"images"`); i >= 0 {
			nested = i
		}
		for _, k := range []string{"content_bytes", "tar_bytes", "layer_bytes", "total_blob_bytes"} {
			if i := strings.Index(s, `"`+k+`"`); i < 0 || i > nested {
				t.Errorf("%T: %q first appears at %d, nested reports start at %d", v, k, i, nested)
			}
		}
	}
}

func TestTextReport(t *testing.T) {
	var b bytes.Buffer
	r, _ := Of(seed)
	WriteText(&b, r)
	if !strings.Contains(b.String(), "headers        84") || !strings.Contains(b.String(), "file          127") {
		t.Fatalf("text report:\n%s", b.String())
	}
}

func TestNeitherELFNorLayout(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x")
	os.WriteFile(p, []byte("hello"), 0o644)
	for _, path := range []string{p, dir, filepath.Join(dir, "missing")} {
		if _, err := Of(path); err == nil {
			t.Errorf("Of(%s) accepted", path)
		}
	}
}

func FuzzOfELF(f *testing.F) {
	good, _ := os.ReadFile(seed)
	f.Add(good)
	good64, _ := os.ReadFile("../image/testdata/hello64")
	f.Add(good64)
	f.Add(good[:45])
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := OfELF(data)
		if err != nil {
			return
		}
		if r.HeaderBytes < 0 || r.CodeBytes < 0 || r.DataBytes < 0 || r.OtherBytes < 0 ||
			r.HeaderBytes+r.CodeBytes+r.DataBytes+r.OtherBytes != r.FileBytes || r.FileBytes != int64(len(data)) {
			t.Fatalf("inconsistent %+v for %d bytes", r, len(data))
		}
	})
}

// FuzzOfLayout fuzzes the manifest and config JSON and the layer blob of a
// layout; "@CONFIG@", "@CSIZE@", "@LAYER@" and "@LSIZE@" in the manifest
// are replaced by the real digests and sizes so the fuzzer gets past them.
func FuzzOfLayout(f *testing.F) {
	r, err := image.Build(image.Spec{Files: []image.File{{Src: seed, Dest: "hello", Mode: -1}}})
	if err != nil {
		f.Fatal(err)
	}
	m := string(blobBytes(f, r.Layout, r.Manifest.Digest))
	m = strings.ReplaceAll(m, r.Config.Digest.String(), "@CONFIG@")
	m = strings.ReplaceAll(m, r.Layer.Digest.String(), "@LAYER@")
	f.Add(m, string(blobBytes(f, r.Layout, r.Config.Digest)), blobBytes(f, r.Layout, r.Layer.Digest))
	f.Add(`{"schemaVersion":2,"config":{"digest":"@CONFIG@","size":@CSIZE@},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"@LAYER@","size":@LSIZE@}]}`, `{}`, []byte("not a tar"))
	f.Fuzz(func(t *testing.T, manifest, config string, layer []byte) {
		l := layout.New()
		cd := l.AddBlob(ocispec.MediaTypeImageConfig, []byte(config))
		ld := l.AddBlob(ocispec.MediaTypeImageLayer, layer)
		manifest = strings.NewReplacer("@CONFIG@", cd.Digest.String(), "@CSIZE@", itoa(cd.Size),
			"@LAYER@", ld.Digest.String(), "@LSIZE@", itoa(ld.Size)).Replace(manifest)
		md := l.AddBlob(ocispec.MediaTypeImageManifest, []byte(manifest))
		l.Index.Manifests = []ocispec.Descriptor{md}
		dir := filepath.Join(t.TempDir(), "l")
		if err := l.WriteDir(dir); err != nil {
			t.Fatal(err)
		}
		rep, err := Of(dir)
		if err != nil {
			return
		}
		im := rep.(*Image)
		if im.TotalBlobBytes != im.ManifestBytes+im.ConfigBytes+im.LayerBytes || im.ManifestDigest != digest.FromString(manifest) {
			t.Fatalf("inconsistent %+v", im)
		}
	})
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
