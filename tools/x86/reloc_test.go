package x86

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/rules-tiny/rules_tiny/tools/obj"
)

var relocLines32 = `
mov eax, ext
mov eax, ext+4
mov ebx, ext-8
push ext
add eax, ext
add ebx, ext
cmp ecx, ext+1
mov eax, [ext]
mov eax, [ebx+ext]
mov eax, [ext+eax*4]
mov byte [ext], 1
mov dword [ext+8], 5
mov word [ebx+ext], 0x1234
lea esi, [ext+eax*4+12]
imul eax, ebx, ext
call ext
call ext+16
jmp ext
jz ext
jnz ext+4
mov ax, ext
mov al, ext
int ext
jmp $+0x100
call $
mov [ext], eax
mov al, [ext]
test eax, ext
`

var relocLines64 = `
mov eax, ext
mov rax, ext
mov rax, ext+8
mov r9, ext
mov qword [rax], ext
push ext
add rax, ext
add eax, ext
and r8, ext
imul rax, rbx, ext
mov rax, [ext]
mov eax, [ext+4]
mov eax, [rbx+ext]
mov eax, [eax+ext]
mov eax, [ext+rax*8]
mov rax, [rel ext]
mov al, [rel ext+3]
cmp byte [rel ext], 5
mov dword [rel ext+4], 0x12345678
lea rsi, [rel ext]
jmp [rel ext]
call [rel ext]
mov rax, [qword ext]
mov [qword ext+8], al
call ext
jmp ext
jz ext
jmp $+0x100
lea rax, [rel $]
mov [rel ext], r8
test rax, ext
`

var relocTypes = map[string]struct {
	kind obj.RelocKind
	size int
}{
	"R_386_32": {obj.RelocAbs, 4}, "R_386_PC32": {obj.RelocPCRel, 4}, "R_386_16": {obj.RelocAbs, 2},
	"R_386_8": {obj.RelocAbs, 1}, "R_386_PC16": {obj.RelocPCRel, 2}, "R_386_PC8": {obj.RelocPCRel, 1},
	"R_X86_64_64": {obj.RelocAbs, 8}, "R_X86_64_32": {obj.RelocAbs, 4}, "R_X86_64_32S": {obj.RelocAbsSigned, 4},
	"R_X86_64_PC32": {obj.RelocPCRel, 4}, "R_X86_64_16": {obj.RelocAbs, 2}, "R_X86_64_8": {obj.RelocAbs, 1},
	"R_X86_64_PC8": {obj.RelocPCRel, 1},
}

var (
	relRe64 = regexp.MustCompile(`^([0-9a-f]{16})\s+[0-9a-f]+\s+(R_X86_64_\w+)\s+[0-9a-f]+\s+(\S+)\s+([+-])\s+([0-9a-f]+)`)
	relRe32 = regexp.MustCompile(`^([0-9a-f]{8})\s+[0-9a-f]+\s+(R_386_\w+)\s+[0-9a-f]+\s+(\S+)`)
	lstFull = regexp.MustCompile(`^\s*(\d+) ([0-9A-F]{8}) ([0-9A-F\[\]\(\)]+)(-?)`)
)

// TestRelocationsMatchNasmELF checks Encode's bytes and fixups for symbol
// operands against nasm -f elf32 / elf64 (the object's .text and readelf -r,
// kept in testdata/nasm/reloc<mode>.txt): field offsets, sizes, relocation
// kinds (R_X86_64_32 versus 32S versus 64) and addends.
func TestRelocationsMatchNasmELF(t *testing.T) {
	for _, tc := range []struct {
		mode  int
		lines string
	}{{32, relocLines32}, {64, relocLines64}} {
		lines := handLines(tc.lines)
		format := map[int]string{32: "elf32", 64: "elf64"}[tc.mode]
		want := goldenAnswers(t, fmt.Sprintf("reloc%d", tc.mode), lines, func(lines []string) []string {
			return nasmELFAnswers(t, tc.mode, lines)
		}, fmt.Sprintf("nasm -f %s, BITS %d, extern ext: .text bytes of each line (relocated fields zeroed) and its relocations (offset, type, symbol, addend).", format, tc.mode))
		r := diffResult{file: goldenPath(fmt.Sprintf("reloc%d", tc.mode))}
		for i, line := range lines {
			r.total++
			got := relocAnswer(t, tc.mode, line)
			if got != want[i] {
				r.diff = append(r.diff, "-"+line+"\t"+want[i], "+"+line+"\t"+got)
				continue
			}
			r.ok++
		}
		reportDiff(t, fmt.Sprintf("BITS %d symbol operands (nasm -f %s)", tc.mode, format), r)
	}
}

// relocName is the ELF relocation type nasm uses for a fixup.
func relocName(mode int, f Fixup) string {
	for name, ty := range relocTypes {
		if ty.kind == f.Kind && ty.size == f.Size && strings.HasPrefix(name, map[int]string{32: "R_386_", 64: "R_X86_64_"}[mode]) {
			return name
		}
	}
	return fmt.Sprintf("kind%d/size%d", f.Kind, f.Size)
}

// formatRelocs writes an instruction's bytes and relocations the way the
// golden file does: "B8 00 00 00 00 | @1 R_386_32 ext+4".
func formatRelocs(b []byte, relocs []string) string {
	s := hexBytes(b)
	if len(relocs) > 0 {
		s += " | " + strings.Join(relocs, " ")
	}
	return s
}

func relocText(mode int, f Fixup) string {
	return fmt.Sprintf("@%d %s %s%+d", f.Offset, relocName(mode, f), f.Sym, f.Addend)
}

// relocAnswer encodes one line in the section ".text" at address 0x100.
func relocAnswer(t *testing.T, mode int, line string) string {
	inst, err := parseTestLine(mode, line, Value{Sym: ".text", Off: 0x100, Known: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Encode(inst)
	if err != nil {
		return "error: " + err.Error()
	}
	sort.Slice(got.Fixups, func(x, y int) bool { return got.Fixups[x].Offset < got.Fixups[y].Offset })
	var rs []string
	for _, f := range got.Fixups {
		rs = append(rs, relocText(mode, f))
	}
	return formatRelocs(got.Bytes, rs)
}

// nasmELFAnswers assembles lines into an ELF object with nasm and reads
// back each line's bytes and relocations with objcopy and readelf.
func nasmELFAnswers(t testing.TB, mode int, lines []string) []string {
	needNasm(t)
	for _, tool := range []string{"readelf", "objcopy"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("-update needs %s (binutils)", tool)
		}
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "r.asm")
	text := fmt.Sprintf("BITS %d\nextern ext\nsection .text\n%s\n", mode, strings.Join(lines, "\n"))
	os.WriteFile(src, []byte(text), 0o644)
	format := map[int]string{32: "elf32", 64: "elf64"}[mode]
	o := filepath.Join(dir, "r.o")
	if out, err := exec.Command("nasm", "-f", format, "-w-all", "-l", filepath.Join(dir, "r.lst"), "-o", o, src).CombinedOutput(); err != nil {
		t.Fatalf("nasm: %v\n%s", err, out)
	}
	if out, err := exec.Command("objcopy", "-O", "binary", "--only-section=.text", o, filepath.Join(dir, "text.bin")).CombinedOutput(); err != nil {
		t.Fatalf("objcopy: %v\n%s", err, out)
	}
	textBytes, _ := os.ReadFile(filepath.Join(dir, "text.bin"))
	relOut, err := exec.Command("readelf", "-rW", o).Output()
	if err != nil {
		t.Fatal(err)
	}
	type rel struct {
		off int64
		fix Fixup
	}
	var rels []rel
	for _, l := range strings.Split(string(relOut), "\n") {
		l = strings.TrimSpace(l)
		if m := relRe64.FindStringSubmatch(l); m != nil {
			off, _ := strconv.ParseInt(m[1], 16, 64)
			add, _ := strconv.ParseInt(m[5], 16, 64)
			if m[4] == "-" {
				add = -add
			}
			ty := relocTypes[m[2]]
			rels = append(rels, rel{off: off, fix: Fixup{Size: ty.size, Kind: ty.kind, Sym: m[3], Addend: add}})
		} else if m := relRe32.FindStringSubmatch(l); m != nil {
			off, _ := strconv.ParseInt(m[1], 16, 64)
			ty := relocTypes[m[2]]
			var add int64
			switch ty.size {
			case 1:
				add = int64(int8(textBytes[off]))
			case 2:
				add = int64(int16(binary.LittleEndian.Uint16(textBytes[off:])))
			case 4:
				add = int64(int32(binary.LittleEndian.Uint32(textBytes[off:])))
			}
			rels = append(rels, rel{off: off, fix: Fixup{Size: ty.size, Kind: ty.kind, Sym: m[3], Addend: add}})
		}
	}
	// Addresses and lengths per source line from the listing.
	lst, _ := os.ReadFile(filepath.Join(dir, "r.lst"))
	addr := map[int]int64{}
	length := map[int]int{}
	for _, l := range strings.Split(string(lst), "\n") {
		m := lstFull.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		i := n - 4
		if i < 0 || i >= len(lines) {
			continue
		}
		a, _ := strconv.ParseInt(m[2], 16, 64)
		if _, ok := addr[i]; !ok {
			addr[i] = a
		}
		h := strings.NewReplacer("[", "", "]", "", "(", "", ")", "").Replace(m[3])
		b, _ := hex.DecodeString(h)
		length[i] += len(b)
	}
	out := make([]string, len(lines))
	for i, line := range lines {
		a, ok := addr[i]
		if !ok {
			t.Fatalf("BITS %d %q: not in nasm's listing", mode, line)
		}
		want := append([]byte(nil), textBytes[a:a+int64(length[i])]...)
		var rs []string
		for _, r := range rels {
			if r.off >= a && r.off < a+int64(length[i]) {
				f := r.fix
				f.Offset = int(r.off - a)
				if f.Sym == ".text" {
					t.Fatalf("BITS %d %q: a relocation against .text depends on the line's address", mode, line)
				}
				rs = append(rs, relocText(mode, f))
				for k := 0; k < f.Size; k++ {
					want[f.Offset+k] = 0
				}
			}
		}
		out[i] = formatRelocs(want, rs)
	}
	return out
}
