package compress

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
)

// tinyTar is the shape of a tiny layer: one header, one data block, two
// zero blocks.
func tinyTar() []byte {
	b := make([]byte, 2048)
	copy(b, "hello")
	copy(b[100:], "0000755\x00")
	copy(b[257:], "ustar\x0000")
	for i := 0; i < 127; i++ {
		b[512+i] = byte(i * 7)
	}
	return b
}

func TestRoundTripEveryAlgorithm(t *testing.T) {
	big := bytes.Repeat([]byte("rules_tiny "), 200000) // above the own encoder's limit
	for _, a := range []Algorithm{Gzip, Zstd, None} {
		for _, in := range [][]byte{{}, tinyTar(), big} {
			out, err := Compress(a, in)
			if err != nil {
				t.Fatal(err)
			}
			back, err := Decompress(a, out, int64(len(in)))
			if err != nil {
				t.Fatalf("%s: %v", a, err)
			}
			if !bytes.Equal(back, in) {
				t.Fatalf("%s: round trip changed %d bytes of input", a, len(in))
			}
		}
	}
}

func TestGzipHeaderCarriesNothingOfTheHost(t *testing.T) {
	out, err := Compress(Gzip, tinyTar())
	if err != nil {
		t.Fatal(err)
	}
	// ID1 ID2 CM FLG MTIME(4) XFL OS: no FNAME/FCOMMENT/FEXTRA flags, mtime 0, OS 255.
	if out[0] != 0x1f || out[1] != 0x8b || out[2] != 8 {
		t.Fatalf("not gzip: % x", out[:3])
	}
	if out[3] != 0 {
		t.Errorf("FLG = %#x, want 0 (no name, comment or extra field)", out[3])
	}
	if !bytes.Equal(out[4:8], []byte{0, 0, 0, 0}) {
		t.Errorf("MTIME = % x, want zero", out[4:8])
	}
	if out[9] != 255 {
		t.Errorf("OS = %d, want 255", out[9])
	}
	zr, err := gzip.NewReader(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if zr.Name != "" || zr.Comment != "" || !zr.ModTime.IsZero() {
		t.Errorf("header %+v", zr.Header)
	}
}

// libGzip is the library's gzip of data at a level, as the tool wrote small
// layers before it had its own encoder (the best of the nine levels).
func libGzip(t testing.TB, data []byte, level int) []byte {
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, level)
	if err != nil {
		t.Fatal(err)
	}
	w.Header = gzip.Header{OS: gzipOS}
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestSmallGzipIsNoLargerThanAnyLibraryLevel: the tool's own encoder
// replaced a search over the library's nine levels, so on layers of the
// kind it writes it must do at least as well as the best of them.
func TestSmallGzipIsNoLargerThanAnyLibraryLevel(t *testing.T) {
	inputs := map[string][]byte{"tiny tar": tinyTar(), "mixed 70000": mixed(70000), "zeros 5000": make([]byte, 5000)}
	for _, name := range []string{"hello", "hello64"} {
		exe, err := os.ReadFile(filepath.Join("..", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		inputs["tar of "+name] = tarOf(t, name, exe)
	}
	for name, in := range inputs {
		out, err := Compress(Gzip, in)
		if err != nil {
			t.Fatal(err)
		}
		best := 0
		for l := 1; l <= 9; l++ {
			if o := libGzip(t, in, l); best == 0 || len(o) < best {
				best = len(o)
			}
		}
		if len(out) > best {
			t.Errorf("%s: %d bytes, the library's best level gives %d", name, len(out), best)
		}
		t.Logf("%s: %d -> %d bytes (library's best level: %d)", name, len(in), len(out), best)
	}
}

func tarOf(t *testing.T, name string, body []byte) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(body)), Typeflag: tar.TypeReg, Format: tar.FormatUSTAR}); err != nil {
		t.Fatal(err)
	}
	tw.Write(body)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The digests below pin the compressors' output for fixed input. They move
// only if tools/image/deflate, klauspost/compress (pinned in go.sum) or our
// settings change, and then every image digest moves too: update them
// deliberately.
func TestCompressedBytesArePinned(t *testing.T) {
	want := map[Algorithm]string{
		Gzip: "", Zstd: "", None: "",
	}
	pinned := readPins(t)
	for a := range want {
		out, err := Compress(a, tinyTar())
		if err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprintf("%x %d", sha256.Sum256(out), len(out))
		if pinned[a] == "" {
			t.Fatalf("no pin for %s in testdata/pins.txt; it would be: %s %s", a, a, got)
		}
		if got != pinned[a] {
			t.Errorf("%s output is %s, pinned %s", a, got, pinned[a])
		}
	}
}

func readPins(t *testing.T) map[Algorithm]string {
	b, err := os.ReadFile("testdata/pins.txt")
	if err != nil {
		t.Fatal(err)
	}
	m := map[Algorithm]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 {
			m[Algorithm(f[0])] = f[1] + " " + f[2]
		}
	}
	return m
}

// The command-line gzip and zstd decompress our output: independent decoders.
func TestSystemDecodersReadOurOutput(t *testing.T) {
	for _, tc := range []struct {
		a    Algorithm
		tool string
	}{{Gzip, "gzip"}, {Zstd, "zstd"}} {
		if _, err := exec.LookPath(tc.tool); err != nil {
			t.Logf("%s not installed: skipping its cross-check", tc.tool)
			continue
		}
		out, _ := Compress(tc.a, tinyTar())
		p := filepath.Join(t.TempDir(), "blob")
		os.WriteFile(p, out, 0o644)
		got, err := exec.Command(tc.tool, "-d", "-c", p).Output()
		if err != nil {
			t.Fatalf("%s -d: %v", tc.tool, err)
		}
		if !bytes.Equal(got, tinyTar()) {
			t.Fatalf("%s -d gives different bytes", tc.tool)
		}
	}
}

func TestParseAndMediaTypes(t *testing.T) {
	for s, mt := range map[string]string{
		"gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
		"zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
		"none": "application/vnd.oci.image.layer.v1.tar",
	} {
		a, err := Parse(s)
		if err != nil || a.MediaType() != mt {
			t.Errorf("Parse(%q) = %v, %v; media type %q", s, a, err, a.MediaType())
		}
		if b, err := ByMediaType(mt); err != nil || b != a {
			t.Errorf("ByMediaType(%q) = %v, %v", mt, b, err)
		}
	}
	for _, bad := range []string{"", "GZIP", "xz", "gzip "} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

func TestDecompressBoundsOutput(t *testing.T) {
	in := make([]byte, 1<<20)
	for _, a := range []Algorithm{Gzip, Zstd, None} {
		out, _ := Compress(a, in)
		if _, err := Decompress(a, out, 1000); err == nil {
			t.Errorf("%s: 1 MiB decompressed under a 1000-byte limit", a)
		}
	}
}

func FuzzDecompress(f *testing.F) {
	for _, a := range []Algorithm{Gzip, Zstd} {
		out, _ := Compress(a, tinyTar())
		f.Add(string(a), out)
	}
	f.Add("gzip", []byte{0x1f, 0x8b, 8, 0})
	f.Fuzz(func(t *testing.T, alg string, data []byte) {
		a, err := Parse(alg)
		if err != nil {
			return
		}
		out, err := Decompress(a, data, 1<<20)
		if err == nil && len(out) > 1<<20 {
			t.Fatalf("limit exceeded: %d", len(out))
		}
	})
}

// mixed is compressible but not trivially so: text with a counter.
func mixed(n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "line %d of rules_tiny's layer, %x\n", i, i*i)
	}
	return b.Bytes()[:n]
}

// chunked is a source that writes data in uneven pieces, as a tar writer
// streaming files does.
func chunked(data []byte) func(io.Writer) error {
	return func(w io.Writer) error {
		for i, sizes := 0, []int{1, 7, 511, 4096, 100003}; len(data) > 0; i++ {
			n := min(sizes[i%len(sizes)], len(data))
			if _, err := w.Write(data[:n]); err != nil {
				return err
			}
			data = data[n:]
		}
		return nil
	}
}

// TestStreamedGzipIsTheOneShotBytes: above the own encoder's limit a layer
// streams through the library's level-9 encoder, and the bytes are those of
// compressing it in one call.
func TestStreamedGzipIsTheOneShotBytes(t *testing.T) {
	data := mixed(3<<20 + 12345)
	want := libGzip(t, data, 9)
	var got bytes.Buffer
	if err := Layer(Gzip, &got, int64(len(data)), chunked(data)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("streamed gzip differs from one-shot: %d vs %d bytes", got.Len(), len(want))
	}
}

// TestLargeZstdStreamsInBoundedWindows: above the one-frame limit zstd
// streams, records the content size, and decodes (by us and by the zstd
// command) with a window far below the layer's size.
func TestLargeZstdStreamsInBoundedWindows(t *testing.T) {
	old := zstdWholeLimit
	zstdWholeLimit = 1 << 20
	defer func() { zstdWholeLimit = old }()
	data := mixed(3 << 20)
	var out bytes.Buffer
	if err := Layer(Zstd, &out, int64(len(data)), chunked(data)); err != nil {
		t.Fatal(err)
	}
	back, err := Decompress(Zstd, out.Bytes(), int64(len(data)))
	if err != nil || !bytes.Equal(back, data) {
		t.Fatalf("round trip: %v", err)
	}
	var again bytes.Buffer
	Layer(Zstd, &again, int64(len(data)), chunked(data))
	if !bytes.Equal(again.Bytes(), out.Bytes()) {
		t.Fatal("streamed zstd output is not deterministic")
	}
	if _, err := exec.LookPath("zstd"); err == nil {
		p := filepath.Join(t.TempDir(), "blob")
		os.WriteFile(p, out.Bytes(), 0o644)
		got, err := exec.Command("zstd", "-d", "-c", "--memory=8MB", p).Output()
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("zstd -d --memory=8MB: %v", err)
		}
		lst, _ := exec.Command("zstd", "-lv", p).CombinedOutput()
		if !strings.Contains(string(lst), "Decompressed Size") {
			t.Logf("zstd -lv:\n%s", lst)
		}
	}
}

func TestLayerChecksTheSourceSize(t *testing.T) {
	for _, a := range []Algorithm{Gzip, Zstd, None} {
		err := Layer(a, io.Discard, 10, func(w io.Writer) error { _, err := w.Write([]byte("short")); return err })
		if err == nil {
			t.Errorf("%s: a source shorter than declared was accepted", a)
		}
	}
}

func TestZstdRefusesWindowsOverTheLimit(t *testing.T) {
	// A single-segment frame declaring 1 GiB of content: its decoder would
	// need the whole of it as history.
	frame := []byte{0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0x40, 0, 0, 0, 0}
	r, err := NewReader(Zstd, bytes.NewReader(frame))
	if err == nil {
		_, err = io.Copy(io.Discard, r)
	}
	if err == nil {
		t.Fatal("a frame wanting a 1 GiB window was decoded")
	}
}

// BenchmarkSmallLayer is the seed image's layer: a 2 KiB tar.
func BenchmarkSmallLayer(b *testing.B) {
	in := tinyTar()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Compress(Gzip, in); err != nil {
			b.Fatal(err)
		}
	}
}
