package platform

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{"linux/386", "linux/386", ""},
		{"linux/amd64", "linux/amd64", ""},
		{"linux/arm64/v8", "linux/arm64/v8", ""},
		{"linux/arm/v7", "linux/arm/v7", ""},
		{"linux/amd64/v3", "linux/amd64/v3", ""},
		{"windows/amd64", "windows/amd64", ""},
		{"linux", "", "want os/arch"},
		{"", "", "want os/arch"},
		{"linux/", "", "unknown architecture"},
		{"/amd64", "", "unknown os"},
		{"Linux/amd64", "", "unknown os"},
		{"linux/x86_64", "", "unknown architecture"},
		{"linux/i386", "", "unknown architecture"},
		{"linux/386/v7", "", "unknown variant"},
		{"linux/arm/v9x", "", "unknown variant"},
		{"linux/amd64/", "", "unknown variant"},
		{"linux/amd64/v3/extra", "", "want os/arch"},
		{" linux/amd64", "", "unknown os"},
	} {
		p, err := Parse(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Parse(%q) err = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || String(p) != tc.want {
			t.Errorf("Parse(%q) = %q, %v", tc.in, String(p), err)
		}
	}
}

// ELF headers made by GNU as/ld when installed (the oracle for e_machine),
// else by hand.
func TestFromELFMapsMachines(t *testing.T) {
	mk := func(class, data byte, machine uint16) []byte {
		h := make([]byte, 64)
		copy(h, "\x7fELF")
		h[4], h[5] = class, data
		if data == 1 {
			h[18], h[19] = byte(machine), byte(machine>>8)
		} else {
			h[18], h[19] = byte(machine>>8), byte(machine)
		}
		return h
	}
	for _, tc := range []struct {
		h    []byte
		want string
		err  string
	}{
		{mk(1, 1, 3), "linux/386", ""},
		{mk(2, 1, 62), "linux/amd64", ""},
		{mk(2, 1, 183), "linux/arm64", ""},
		{mk(2, 1, 243), "linux/riscv64", ""},
		{mk(1, 1, 62), "", "no platform"}, // x32
		{mk(1, 1, 40), "", "variant"},
		{mk(2, 2, 22), "", "no platform"}, // s390 big endian: not mapped
		// x86 loaders look at e_machine only; compact layouts keep program
		// bytes in EI_CLASS and EI_DATA.
		{mk(3, 1, 3), "linux/386", ""},
		{mk(0x48, 1, 62), "linux/amd64", ""},
		{mk(0x48, 0x65, 3), "", "data encoding"}, // EI_DATA junk, machine read big-endian: 0x0300
		{mk(1, 3, 40), "", "data encoding"},
		{[]byte("\x7fELF\x01"), "", "truncated"},
		{[]byte("#!/bin/sh"), "", "not an ELF"},
	} {
		p, err := FromELF(tc.h)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("FromELF(% x) err = %v, want %q", tc.h[:min(20, len(tc.h))], err, tc.err)
			}
			continue
		}
		if err != nil || String(p) != tc.want {
			t.Errorf("FromELF(% x) = %q, %v", tc.h[16:20], String(p), err)
		}
	}
}

func TestFromELFAgreesWithLinkerOutput(t *testing.T) {
	for _, tc := range []struct {
		as, ld []string
		want   string
	}{
		{[]string{"--32"}, []string{"-m", "elf_i386"}, "linux/386"},
		{[]string{"--64"}, []string{"-m", "elf_x86_64"}, "linux/amd64"},
	} {
		if _, err := exec.LookPath("as"); err != nil {
			t.Skip("GNU binutils not installed")
		}
		dir := t.TempDir()
		src := filepath.Join(dir, "a.s")
		os.WriteFile(src, []byte(".globl _start\n_start: nop\n"), 0o644)
		obj, exe := filepath.Join(dir, "a.o"), filepath.Join(dir, "a")
		if out, err := exec.Command("as", append(tc.as, "-o", obj, src)...).CombinedOutput(); err != nil {
			t.Fatalf("as: %v %s", err, out)
		}
		if out, err := exec.Command("ld", append(tc.ld, "-o", exe, obj)...).CombinedOutput(); err != nil {
			t.Fatalf("ld: %v %s", err, out)
		}
		data, _ := os.ReadFile(exe)
		p, err := FromELF(data)
		if err != nil || String(p) != tc.want {
			t.Errorf("%v: FromELF = %q, %v", tc.ld, String(p), err)
		}
		f, _ := elf.NewFile(strings.NewReader(string(data)))
		t.Logf("%s: debug/elf says %v", tc.want, f.Machine)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"linux/amd64", "linux/arm/v7", "a/b/c/d", "", "linux//"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			return
		}
		if String(p) != s {
			t.Fatalf("Parse(%q) accepted but formats as %q", s, String(p))
		}
	})
}

func FuzzFromELF(f *testing.F) {
	f.Add([]byte("\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x03\x00"))
	f.Add([]byte("\x7fELF"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := FromELF(b)
		if err == nil && (p.OS != "linux" || !knownArch[p.Architecture]) {
			t.Fatalf("FromELF gave %+v", p)
		}
	})
}
