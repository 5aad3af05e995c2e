package tarball

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
	b, err := Bytes([]Entry{{Name: "hello", Type: Regular, Mode: 0o755, Data: data}}, 0)
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
		{Name: "usr/bin/z", Type: Regular, Mode: 0o755, Data: []byte("z")},
		{Name: "usr/bin", Type: Directory, Mode: 0o755},
		{Name: "a", Type: Regular, Mode: 0o644, Data: []byte("a")},
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
		{Name: long, Type: Regular, Mode: 0o644, Data: []byte("1")},
		{Name: veryLong, Type: Regular, Mode: 0o644, Data: []byte("22")},
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
		{Name: "bin/x", Type: Regular, Mode: 0o4755, Data: []byte("#!/bin/sh\n")},
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
		{"dir data", []Entry{{Name: "a", Type: Directory, Data: []byte("x")}}, 0, "directory with data"},
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

func TestPaxRecordLengthCountsItself(t *testing.T) {
	for _, v := range []string{"", "a", strings.Repeat("b", 89), strings.Repeat("c", 90), strings.Repeat("d", 995)} {
		r := paxRecord("path", v)
		n := 0
		for _, c := range r[:strings.IndexByte(r, ' ')] {
			n = n*10 + int(c-'0')
		}
		if n != len(r) {
			t.Errorf("record for %d-byte value says %d, is %d", len(v), n, len(r))
		}
	}
}

// FuzzWrite: any entry set either is rejected or reads back through
// archive/tar with the same names, modes and contents.
func FuzzWrite(f *testing.F) {
	f.Add("hello", "usr/bin/x", int64(0o755), []byte("data"), int64(0))
	f.Add(strings.Repeat("a/", 80)+"b", "c", int64(0o644), []byte{}, int64(1<<33-1))
	f.Add("../x", "./y", int64(-1), []byte("z"), int64(-5))
	f.Fuzz(func(t *testing.T, n1, n2 string, mode int64, data []byte, mtime int64) {
		in := []Entry{{Name: n1, Type: Regular, Mode: mode, Data: data}, {Name: n2, Type: Regular, Mode: 0o644}}
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
