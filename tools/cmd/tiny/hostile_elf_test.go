package main

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	tinyelf "github.com/rules-tiny/rules_tiny/tools/elf"
	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// Hostile inputs run the real tool in a child process with 2 GiB of
// address space (the Go runtime alone reserves about 800 MiB) and 30 s of
// CPU, under a 60 s deadline: a regression to reading a device, a
// quadratic loop or a memory bomb fails here instead of taking the
// machine down.
const (
	hostileAS      = 2 << 20 // KiB, for ulimit -v
	hostileCPU     = 30      // seconds
	hostileTimeout = 60 * time.Second
)

type hostileResult struct {
	code           int
	stderr         string
	elapsed        time.Duration
	killedBySignal bool
}

func runBoundedELF(t *testing.T, exe, dir string, args ...string) hostileResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hostileTimeout)
	defer cancel()
	script := fmt.Sprintf("ulimit -v %d && ulimit -t %d && exec \"$@\"", hostileAS, hostileCPU)
	cmd := exec.CommandContext(ctx, "sh", append([]string{"-c", script, "sh", exe}, args...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	r := hostileResult{stderr: stderr.String(), elapsed: time.Since(start)}
	if ctx.Err() != nil {
		t.Fatalf("tiny %v: still running after %v (killed)", args, hostileTimeout)
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			r.killedBySignal = true
		}
	default:
		t.Fatalf("tiny %v: %v", args, err)
	}
	return r
}

// elf64Exec is an ELF64 executable image with the given program headers.
func elf64Exec(progs []elf.Prog64, size int) []byte {
	b := tinyelf.Marshal(elf.Header64{Ident: tinyelf.Ident(elf.ELFCLASS64), Type: uint16(elf.ET_EXEC), Machine: uint16(elf.EM_X86_64),
		Version: 1, Entry: 0x10000, Phoff: 64, Ehsize: 64, Phentsize: 56, Phnum: uint16(len(progs))})
	b = append(b, tinyelf.Marshal(progs)...)
	if len(b) < size {
		b = append(b, make([]byte, size-len(b))...)
	}
	return b
}

// manyLoads has 65,535 PT_LOADs: each over the whole file (which strip
// used to mark byte by byte per header) or, spread, each over its own 8
// bytes, listed backwards (which size used to classify span by span).
func manyLoads(spread bool) []byte {
	const n = 65535
	table := 64 + n*56
	size := table
	if spread {
		size += n * 8
	}
	progs := make([]elf.Prog64, n)
	for i := range progs {
		p := elf.Prog64{Type: uint32(elf.PT_LOAD), Flags: uint32(elf.PF_R | elf.PF_X), Vaddr: 0x10000, Filesz: uint64(size), Memsz: uint64(size), Align: 0x1000}
		if spread {
			p.Off = uint64(table + (n-1-i)*8)
			p.Vaddr, p.Filesz, p.Memsz, p.Flags = 0x10000+p.Off, 8, 8, uint32(elf.PF_R)
		}
		progs[i] = p
	}
	return elf64Exec(progs, size)
}

// stringTableBomb is a relocatable object whose 100,000 symbols all name
// the same 1 MiB string: 100 GB of names for a reader that copies each.
func stringTableBomb() []byte {
	name := append(bytes.Repeat([]byte{'A'}, 1<<20), 0)
	strtab := append([]byte{0}, name...)
	syms := make([]elf.Sym64, 100000)
	for i := 1; i < len(syms); i++ {
		syms[i] = elf.Sym64{Name: 1, Info: elf.ST_INFO(elf.STB_GLOBAL, elf.STT_NOTYPE), Shndx: uint16(elf.SHN_ABS)}
	}
	symtab := tinyelf.Marshal(syms)
	shstr := []byte("\x00.symtab\x00.strtab\x00.shstrtab\x00")
	off := uint64(64)
	var secs []elf.Section64
	var body []byte
	for _, s := range []struct {
		name, link uint32
		typ        elf.SectionType
		data       []byte
	}{{1, 2, elf.SHT_SYMTAB, symtab}, {9, 0, elf.SHT_STRTAB, strtab}, {17, 0, elf.SHT_STRTAB, shstr}} {
		sec := elf.Section64{Name: s.name, Type: uint32(s.typ), Off: off, Size: uint64(len(s.data)), Link: s.link, Addralign: 1}
		if s.typ == elf.SHT_SYMTAB {
			sec.Entsize, sec.Info = 24, 1
		}
		secs = append(secs, sec)
		body = append(body, s.data...)
		off += uint64(len(s.data))
	}
	b := tinyelf.Marshal(elf.Header64{Ident: tinyelf.Ident(elf.ELFCLASS64), Type: uint16(elf.ET_REL), Machine: uint16(elf.EM_X86_64),
		Version: 1, Shoff: off, Ehsize: 64, Shentsize: 64, Shnum: 4, Shstrndx: 3})
	b = append(b, body...)
	b = append(b, make([]byte, 64)...)
	return append(b, tinyelf.Marshal(secs)...)
}

// manySectionsObject is a valid program in 100,000 sections (extended
// numbering).
func manySectionsObject(t *testing.T) []byte {
	f := &obj.File{Name: "many", Arch: obj.ArchAMD64, Sections: []*obj.Section{{Name: ".text", Flags: obj.FlagAlloc | obj.FlagExec, Align: 1,
		Data: []byte{0x31, 0xff, 0xb8, 60, 0, 0, 0, 0x0f, 0x05}, Size: 9}}, // xor edi, edi; mov eax, 60; syscall
		Symbols: []*obj.Symbol{{Name: "_start", Binding: obj.BindGlobal}}}
	for i := 1; i < 100000; i++ {
		f.Sections = append(f.Sections, &obj.Section{Name: fmt.Sprintf(".d%d", i), Flags: obj.FlagAlloc, Align: 1, Data: []byte{1}, Size: 1})
		f.Symbols = append(f.Symbols, &obj.Symbol{Name: fmt.Sprintf("s%d", i), Section: i})
	}
	b, err := tinyelf.MarshalObject(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestHostileInputsAreBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("generates inputs of a few MiB and runs the tool on each; skipped with -short")
	}
	exe := buildTiny(t)
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sparse := func(name string, data []byte, size int64) string {
		p := write(name, data)
		if err := os.Truncate(p, size); err != nil {
			t.Skip(err)
		}
		return p
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	loads := write("loads", manyLoads(false))
	spread := write("spread", manyLoads(true))
	small := elf64Exec([]elf.Prog64{{Type: uint32(elf.PT_LOAD), Flags: uint32(elf.PF_R | elf.PF_X), Vaddr: 0x10000, Filesz: 200, Memsz: 200, Align: 0x1000}}, 200)
	sparseExe := sparse("sparse", small, 8<<30)
	huge := elf64Exec([]elf.Prog64{{Type: uint32(elf.PT_LOAD), Flags: uint32(elf.PF_R | elf.PF_X), Vaddr: 0x10000, Filesz: 6 << 30, Memsz: 6 << 30, Align: 0x1000}}, 200)
	hugeExe := sparse("huge", huge, 8<<30)
	bomb := write("bomb.o", stringTableBomb())
	many := write("many.o", manySectionsObject(t))

	out := filepath.Join(dir, "out")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"size", "/dev/zero"}, 1, "/dev/zero: is not a regular file (a character device)"},
		{[]string{"size", fifo}, 1, "(a FIFO)"},
		{[]string{"strip", "-o", out, fifo}, 1, "(a FIFO)"},
		{[]string{"strip", "-o", out, "/dev/zero"}, 1, "(a character device)"},
		{[]string{"link", "-o", out, "/dev/zero"}, 1, "(a character device)"},
		{[]string{"link", "-o", out, dir}, 1, "(a directory)"},
		{[]string{"build", "-o", out, "/dev/zero"}, 1, "(a character device)"},
		{[]string{"build", "-o", out, fifo}, 1, "(a FIFO)"},
		{[]string{"strip", "-o", out, loads}, 0, ""},
		{[]string{"size", loads}, 0, ""},
		{[]string{"strip", "-o", out, spread}, 0, ""},
		{[]string{"size", spread}, 0, ""},
		{[]string{"strip", "-o", out, sparseExe}, 0, ""}, // reads 200 of 8 GiB
		{[]string{"size", sparseExe}, 0, ""},
		{[]string{"strip", "-o", out, hugeExe}, 1, "ELF inputs are read up to"},
		{[]string{"size", hugeExe}, 1, "ELF inputs are read up to"},
		{[]string{"link", "-o", out, bomb}, 1, "names add up to more than"},
		{[]string{"link", "-o", out, many}, 0, ""},
	} {
		os.Remove(out)
		r := runBoundedELF(t, exe, dir, tc.args...)
		if r.killedBySignal || r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("tiny %s: exit %d (signal: %v) after %v, stderr %q; want exit %d and %q", strings.Join(tc.args, " "), r.code, r.killedBySignal, r.elapsed.Round(time.Millisecond), r.stderr, tc.code, tc.want)
			continue
		}
		if _, err := os.Stat(out); tc.code != 0 && err == nil {
			t.Errorf("tiny %s failed but wrote %s", strings.Join(tc.args, " "), out)
		}
		t.Logf("tiny %s: exit %d in %v", strings.Join(tc.args, " "), r.code, r.elapsed.Round(time.Millisecond))
	}
	// The sparse file strips to the 200 bytes its header declares.
	runBoundedELF(t, exe, dir, "strip", "-o", out, sparseExe)
	if fi, err := os.Stat(out); err != nil || fi.Size() != 200 {
		t.Errorf("stripped sparse file: %v, %v", fi, err)
	}
}
