package tarball

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

	"github.com/rules-tiny/rules_tiny/tools/image/blob"
)

func readAll(t *testing.T, b []byte) []*tar.Header {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(b))
	var hs []*tar.Header
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return hs
		}
		if err != nil {
			t.Fatalf("archive/tar cannot read our archive: %v", err)
		}
		data, _ := io.ReadAll(tr)
		if int64(len(data)) != h.Size {
			t.Fatalf("%s: read %d bytes, header says %d", h.Name, len(data), h.Size)
		}
		hs = append(hs, h)
	}
}

func TestSingleFileArchiveIsHeaderDataAndTwoZeroBlocks(t *testing.T) {
	data := bytes.Repeat([]byte{0xAB}, 127)
	b, err := Bytes([]Entry{{Name: "hello", Type: Regular, Mode: 0o755, Content: blob.Bytes(data)}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 2048 {
		t.Fatalf("archive is %d bytes, want 2048 (header + data block + two zero blocks, no record padding)", len(b))
	}
	if !bytes.Equal(b[1024:], make([]byte, 1024)) {
		t.Fatal("archive does not end with two zero blocks")
	}
	h := b[:512]
	for _, f := range []struct {
		name   string
		lo, hi int
		want   string
	}{
		{"name", 0, 100, "hello" + strings.Repeat("\x00", 95)},
		{"mode", 100, 108, "0000755\x00"},
		{"uid", 108, 116, "0000000\x00"},
		{"gid", 116, 124, "0000000\x00"},
		{"size", 124, 136, "00000000177\x00"},
		{"mtime", 136, 148, "00000000000\x00"},
		{"typeflag", 156, 157, "0"},
		{"magic+version", 257, 265, "ustar\x0000"},
		{"uname", 265, 297, strings.Repeat("\x00", 32)},
		{"gname", 297, 329, strings.Repeat("\x00", 32)},
		{"prefix", 345, 500, strings.Repeat("\x00", 155)},
	} {
		if got := string(h[f.lo:f.hi]); got != f.want {
			t.Errorf("%s field = %q, want %q", f.name, got, f.want)
		}
	}
	hs := readAll(t, b)
	if len(hs) != 1 || hs[0].Name != "hello" || hs[0].Mode != 0o755 || hs[0].Uid != 0 || hs[0].Gid != 0 ||
		hs[0].Uname != "" || hs[0].Gname != "" || hs[0].ModTime.Unix() != 0 || hs[0].Format != tar.FormatUSTAR {
		t.Fatalf("archive/tar reads %+v", hs[0])
	}
}

func TestEntriesAreSortedAndDirectoriesPrecedeContents(t *testing.T) {
	in := []Entry{
		{Name: "usr/bin/z", Type: Regular, Mode: 0o755, Content: blob.Bytes([]byte("z"))},
		{Name: "usr/bin", Type: Directory, Mode: 0o755},
		{Name: "a", Type: Regular, Mode: 0o644, Content: blob.Bytes([]byte("a"))},
		{Name: "usr", Type: Directory, Mode: 0o755},
		{Name: "usr-x", Type: Regular, Mode: 0o600},
	}
	b, err := Bytes(in, 1700000000)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, h := range readAll(t, b) {
		names = append(names, h.Name)
		if h.ModTime.Unix() != 1700000000 {
			t.Errorf("%s: mtime %d", h.Name, h.ModTime.Unix())
		}
	}
	want := "a usr/ usr-x usr/bin/ usr/bin/z"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("order %q, want %q", got, want)
	}
	// Permuting the input changes nothing.
	in[0], in[4] = in[4], in[0]
	b2, _ := Bytes(in, 1700000000)
	if !bytes.Equal(b, b2) {
		t.Fatal("output depends on input order")
	}
}

func TestLongNamesUseUstarPrefixThenPax(t *testing.T) {
	dir := strings.Repeat("d", 120)
	long := dir + "/" + strings.Repeat("f", 90)                           // fits prefix+name
	veryLong := strings.Repeat("x", 150) + "/" + strings.Repeat("y", 120) // needs pax
	b, err := Bytes([]Entry{
		{Name: long, Type: Regular, Mode: 0o644, Content: blob.Bytes([]byte("1"))},
		{Name: veryLong, Type: Regular, Mode: 0o644, Content: blob.Bytes([]byte("22"))},
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	hs := readAll(t, b)
	if len(hs) != 2 || hs[0].Name != long || hs[1].Name != veryLong {
		t.Fatalf("names read back: %q", []string{hs[0].Name, hs[1].Name})
	}
	if hs[0].Format != tar.FormatUSTAR {
		t.Errorf("%d-byte name should fit ustar, got format %v", len(long), hs[0].Format)
	}
	if hs[1].Format != tar.FormatPAX {
		t.Errorf("%d-byte name should need pax, got format %v", len(veryLong), hs[1].Format)
	}
	gnuTarLists(t, b, []string{long, veryLong})
}

// gnuTarLists checks GNU tar, an independent reader, lists exactly names.
func gnuTarLists(t *testing.T, archive []byte, names []string) {
	t.Helper()
	if _, err := exec.LookPath("tar"); err != nil {
		t.Log("GNU tar not installed: skipping the GNU tar cross-check")
		return
	}
	p := filepath.Join(t.TempDir(), "a.tar")
	if err := os.WriteFile(p, archive, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("tar", "--list", "-f", p).CombinedOutput()
	if err != nil {
		t.Fatalf("tar --list: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != strings.Join(names, "\n") {
		t.Fatalf("GNU tar lists:\n%s\nwant:\n%s", got, strings.Join(names, "\n"))
	}
}

func TestGNUTarExtractsModesAndContent(t *testing.T) {
	if _, err := exec.LookPath("tar"); err != nil {
		t.Skip("GNU tar not installed")
	}
	b, err := Bytes([]Entry{
		{Name: "bin", Type: Directory, Mode: 0o711},
		{Name: "bin/x", Type: Regular, Mode: 0o4755, Content: blob.Bytes([]byte("#!/bin/sh\n"))},
	}, 86400)
	if err != nil {
		t.Fatal(err)
	}
	gnuTarLists(t, b, []string{"bin/", "bin/x"})
	dir := t.TempDir()
	p := filepath.Join(dir, "a.tar")
	os.WriteFile(p, b, 0o644)
	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0o755)
	if o, err := exec.Command("tar", "-x", "-p", "-f", p, "-C", out).CombinedOutput(); err != nil {
		t.Fatalf("tar -x: %v\n%s", err, o)
	}
	fi, err := os.Stat(filepath.Join(out, "bin/x"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModePerm != 0o755 || fi.Mode()&os.ModeSetuid == 0 || fi.ModTime().Unix() != 86400 {
		t.Fatalf("extracted mode %v mtime %d", fi.Mode(), fi.ModTime().Unix())
	}
}

func TestRejectsBadEntries(t *testing.T) {
	for _, tc := range []struct {
		name    string
		entries []Entry
		mtime   int64
		want    string
	}{
		{"duplicate", []Entry{{Name: "a", Type: Regular}, {Name: "a", Type: Regular}}, 0, "duplicate"},
		{"absolute", []Entry{{Name: "/a", Type: Regular}}, 0, "absolute"},
		{"dotdot", []Entry{{Name: "a/../../b", Type: Regular}}, 0, "not clean"},
		{"dotdot-clean", []Entry{{Name: "../b", Type: Regular}}, 0, ".."},
		{"empty", []Entry{{Name: "", Type: Regular}}, 0, "empty"},
		{"trailing slash", []Entry{{Name: "a/", Type: Regular}}, 0, "not clean"},
		{"nul", []Entry{{Name: "a\x00b", Type: Regular}}, 0, "NUL"},
		{"mode", []Entry{{Name: "a", Type: Regular, Mode: 0o10000}}, 0, "mode"},
		{"type", []Entry{{Name: "a", Type: '2'}}, 0, "type"},
		{"dir data", []Entry{{Name: "a", Type: Directory, Content: blob.Bytes([]byte("x"))}}, 0, "directory with data"},
		{"negative mtime", []Entry{{Name: "a", Type: Regular}}, -1, "mtime"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Bytes(tc.entries, tc.mtime)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

// TestArchiveBytesArePinned pins the archives of a table of entry sets.
// The ustar-only sets (seed, empty, nested, exact100, blocks) carry the
// digests the hand-written ustar writer gave them before archive/tar took
// over: those bytes did not move. Sets with a name ustar cannot hold (prefix
// and dir100 have a directory name of over 100 bytes with no slash to split
// at; utf8 is not ASCII) get archive/tar's pax extended header, whose own
// header differs from the hand-written one (named dir/PaxHeaders.0/base,
// mode 0, mtime 0).
func TestArchiveBytesArePinned(t *testing.T) {
	b := func(s string) blob.Blob { return blob.Bytes(s) }
	d, f := strings.Repeat("d", 120), strings.Repeat("f", 90)
	sets := map[string][]Entry{
		"seed":     {{Name: "hello", Type: Regular, Mode: 0o755, Content: b(strings.Repeat("\x7fELF", 32))}},
		"empty":    {},
		"nested":   {{Name: "usr", Type: Directory, Mode: 0o755}, {Name: "usr/bin", Type: Directory, Mode: 0o711}, {Name: "usr/bin/x", Type: Regular, Mode: 0o4755, Content: b("#!/bin/sh\n")}, {Name: "etc/passwd", Type: Regular, Mode: 0o644, Content: b("root:x:0:0::/:\n")}, {Name: "etc", Type: Directory, Mode: 0o755}, {Name: "zero", Type: Regular, Mode: 0o600}},
		"exact100": {{Name: strings.Repeat("n", 100), Type: Regular, Mode: 0o644, Content: b("1")}},
		"prefix":   {{Name: d, Type: Directory, Mode: 0o755}, {Name: d + "/" + f, Type: Regular, Mode: 0o644, Content: b(strings.Repeat("x", 1000))}},
		"dir100":   {{Name: strings.Repeat("e", 100), Type: Directory, Mode: 0o755}, {Name: strings.Repeat("p", 155) + "/" + strings.Repeat("q", 99), Type: Directory, Mode: 0o755}},
		"blocks":   {{Name: "a", Type: Regular, Mode: 0o644, Content: blob.Bytes(make([]byte, 512))}, {Name: "b", Type: Regular, Mode: 0o644, Content: blob.Bytes(make([]byte, 513))}, {Name: "c", Type: Regular, Mode: 0o644, Content: blob.Bytes(make([]byte, 511))}},
		"utf8":     {{Name: "héllo", Type: Directory, Mode: 0o755}, {Name: "héllo/wörld", Type: Regular, Mode: 0o755, Content: b("x")}},
	}
	want := map[string]string{ // "set mtime": "sha256 length"
		"blocks 0":            "e67c198511ae023d82522ec1572a573bf42328607eec399ecebff70833c4474b 4608",
		"blocks 1700000000":   "fae471df94cdaebff4a653ab4e5dc2fcffd449c1837da42030edd93fd5b23f78 4608",
		"dir100 0":            "1c872b12d5b860aa8b011c409857d6655618f7bb1c40d36d5c705260abfbdd54 3072",
		"dir100 1700000000":   "52f9f74dac3cca8a28274dd0fbe1805fb10641f2696dc5484db1876120aaba82 3072",
		"empty 0":             "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef 1024",
		"empty 1700000000":    "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef 1024",
		"exact100 0":          "135ea42910f6ab6f4adf0222f477ea44394d949bfde04f1a399b1b6b08b037b8 2048",
		"exact100 1700000000": "4767ec25ae89d94c8020c2bb2b67a93724de5405c6f8305239ba75fa65c110ea 2048",
		"nested 0":            "850a89f7aea453b413714c5f298d1b03511a67fde087bf07e09a258118188736 5120",
		"nested 1700000000":   "220906f8adc00e0e65d743b8c5b425a3f479c81f0209c4966b9e5b6b5bb4b31c 5120",
		"prefix 0":            "5f333e6fe83ec6ade940875b119b6c412077e0d932221d3635417b655b04f140 4096",
		"prefix 1700000000":   "138d0ddfab6a3c2b269ee3ca5ef514209891ee5b2a2dbcb1280b3242f4c28214 4096",
		"seed 0":              "ac06f123187c54bee788d5360a53b07101ca8050898a379c2a62ac1daa1f43c2 2048",
		"seed 1700000000":     "30e12dacb66e052c378b8ce490ab2a1b0b5948a4fc55ba6a3c4e09ab0db836fc 2048",
		"utf8 0":              "b5b946c5269763a583132a600e0e8432b0b426e981d342c63edba60ab5850d30 4608",
		"utf8 1700000000":     "ac701f18ea47437580c5e7f0f571d5f1229a1cddbc3c33ec2a6b2c0994a82e46 4608",
	}
	for name, es := range sets {
		for _, mt := range []int64{0, 1700000000} {
			key := fmt.Sprintf("%s %d", name, mt)
			out, err := Bytes(es, mt)
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			if got := fmt.Sprintf("%x %d", sha256.Sum256(out), len(out)); got != want[key] {
				t.Errorf("%s: archive %s, want %s", key, got, want[key])
			}
			if n, err := Size(es, mt); err != nil || n != int64(len(out)) {
				t.Errorf("%s: Size = %d, %v; Write wrote %d bytes", key, n, err, len(out))
			}
		}
	}
}

func TestSizeCountsPaxHeadersAndPadding(t *testing.T) {
	long := strings.Repeat("x", 150) + "/" + strings.Repeat("y", 120)
	for _, es := range [][]Entry{
		{{Name: long, Type: Regular, Mode: 0o644, Content: blob.Bytes("abc")}},
		{{Name: "é/ü", Type: Regular, Mode: 0o644, Content: blob.Bytes(make([]byte, 1025))}},
		{{Name: long, Type: Directory, Mode: 0o755}},
	} {
		out, err := Bytes(es, 7)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := Size(es, 7); err != nil || n != int64(len(out)) {
			t.Errorf("%q: Size = %d, %v; Write wrote %d bytes", es[0].Name, n, err, len(out))
		}
	}
}

// TestContentStreamsFromFiles writes a file's content through the archive
// and refuses a file that changed size since it was looked at.
func TestContentStreamsFromFiles(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	os.WriteFile(p, []byte("0123456789"), 0o644)
	fb := blob.File{Path: p, N: 10, FileSize: 10}
	out, err := Bytes([]Entry{{Name: "f", Type: Regular, Mode: 0o644, Content: fb}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out[512:522], []byte("0123456789")) {
		t.Fatalf("content % x", out[512:522])
	}
	os.WriteFile(p, []byte("01234"), 0o644)
	if _, err := Bytes([]Entry{{Name: "f", Type: Regular, Mode: 0o644, Content: fb}}, 0); err == nil || !strings.Contains(err.Error(), "changed") {
		t.Fatalf("a file that shrank: err = %v", err)
	}
}

func TestMembersGiveContentOffsets(t *testing.T) {
	long := strings.Repeat("x", 150) + "/" + strings.Repeat("y", 120)
	es := []Entry{
		{Name: "a", Type: Regular, Mode: 0o644, Content: blob.Bytes("first")},
		{Name: long, Type: Regular, Mode: 0o644, Content: blob.Bytes(strings.Repeat("L", 700))},
		{Name: "z", Type: Directory, Mode: 0o755},
		{Name: "z/b", Type: Regular, Mode: 0o644, Content: blob.Bytes("last")},
	}
	out, err := Bytes(es, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	err = Members(bytes.NewReader(out), func(h *tar.Header, off int64) error {
		got[h.Name] = string(out[off : off+h.Size])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got["a"] != "first" || got[long] != strings.Repeat("L", 700) || got["z/b"] != "last" || got["z/"] != "" {
		t.Fatalf("members: %q", got)
	}
}

func TestRejectsNamesUnpackersCannotCreate(t *testing.T) {
	for _, name := range []string{
		strings.Repeat("c", 256),
		"dir/" + strings.Repeat("c", 256) + "/f",
		strings.Repeat("abcdefg/", 600) + "f",
		"bad\xffutf8",
	} {
		if err := CheckName(name); err == nil {
			t.Errorf("CheckName accepted a %d-byte name", len(name))
		}
	}
	if err := CheckName(strings.Repeat("c", 255) + "/" + strings.Repeat("d", 255)); err != nil {
		t.Errorf("255-byte components refused: %v", err)
	}
}

// FuzzWrite: any entry set either is rejected or reads back through
// archive/tar with the same names, modes and contents.
func FuzzWrite(f *testing.F) {
	f.Add("hello", "usr/bin/x", int64(0o755), []byte("data"), int64(0))
	f.Add(strings.Repeat("a/", 80)+"b", "c", int64(0o644), []byte{}, int64(1<<33-1))
	f.Add("../x", "./y", int64(-1), []byte("z"), int64(-5))
	f.Fuzz(func(t *testing.T, n1, n2 string, mode int64, data []byte, mtime int64) {
		in := []Entry{{Name: n1, Type: Regular, Mode: mode, Content: blob.Bytes(data)}, {Name: n2, Type: Regular, Mode: 0o644}}
		b, err := Bytes(in, mtime)
		if err != nil {
			return
		}
		if len(b)%512 != 0 {
			t.Fatalf("length %d not a multiple of 512", len(b))
		}
		hs := readAll(t, b)
		if len(hs) != 2 {
			t.Fatalf("%d entries read back", len(hs))
		}
		for _, h := range hs {
			if h.Name != n1 && h.Name != n2 {
				t.Fatalf("name %q read back, wrote %q and %q", h.Name, n1, n2)
			}
			if h.ModTime.Unix() != mtime || h.Uid != 0 || h.Gid != 0 {
				t.Fatalf("header %+v", h)
			}
			if h.Name == n1 && h.Mode != mode {
				t.Fatalf("mode %o, wrote %o", h.Mode, mode)
			}
		}
	})
}
