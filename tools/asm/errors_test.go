package asm

import (
	"errors"
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// memFS serves sources from a map; a missing name is fs.ErrNotExist.
func memFS(files map[string]string) func(string) ([]byte, error) {
	return func(name string) ([]byte, error) {
		if s, ok := files[name]; ok {
			return []byte(s), nil
		}
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
}

var diagLine = regexp.MustCompile(`^[^:]+(:\d+)?: (error|warning|info): .+$`)

// Bad input gives nasm-style `file:line: error: message` diagnostics and
// no output, never a panic.
func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		format    string
		want      string // "file:line: error: substring"
		files     map[string]string
	}{
		{name: "syntax", src: "db 1 +\n", want: "t.asm:1: error: expression syntax error"},
		{name: "unknown mnemonic", src: "nop\nfoo eax, 1\n", want: "t.asm:2: error: parser: instruction expected"},
		{name: "unsupported instruction", src: "bits 64\nvpternlogd zmm0, zmm1, zmm2, 5\n", want: "t.asm:2: error: instruction not supported: vpternlogd"},
		{name: "avx512 mask decorator", src: "bits 64\nvaddps xmm0{k1}, xmm1, xmm2\n", want: "t.asm:2: error: AVX-512 operand decorators ({k1}, {z}, {1toN}, {sae}, {rn-sae}...) are not supported"},
		{name: "avx512 broadcast decorator", src: "bits 64\nvpaddd zmm0, zmm0, [rax]{1to16}\n", want: "t.asm:2: error: AVX-512 operand decorators ({k1}, {z}, {1toN}, {sae}, {rn-sae}...) are not supported"},
		{name: "bad operands", src: "bits 32\nmov eax, bl\n", want: "t.asm:2: error: "},
		{name: "undefined symbol", src: "bits 32\nmov eax, nowhere\n", want: "t.asm:2: error: symbol `nowhere' not defined"},
		{name: "duplicate label", src: "a: nop\na: nop\n", want: "t.asm:2: error: label `a' inconsistently redefined\nt.asm:1: info: label `a' originally defined here"},
		{name: "duplicate equ", src: "x equ 1\nx equ 2\n", want: "t.asm:2: error: label `x' inconsistently redefined"},
		{name: "dq relocation in elf32", src: "extern e\ndq e - $\n", format: "elf32", want: "t.asm:2: error: 64-bit signed relocation unsupported by output format elf32"},
		{name: "incbin bad args", src: "incbin \"t.asm\", 1, 2, 3\n", want: "t.asm:1: error: `incbin' expects a file name, then optional skip and length"},
		{name: "register as label", src: "eax: nop\n", want: "t.asm:1: error: label or instruction expected at start of line"},
		{name: "local without scope", src: ".x: nop\n", want: "t.asm:1: error: local label `.x' without a preceding non-local label"},
		{name: "recursive rmacro", src: "%rmacro m 0\nm\n%endmacro\nm\n", want: "t.asm:4: error: recursive call of `%rmacro' `m'"},
		{name: "recursive include", src: "%include \"t.asm\"\n", want: "t.asm:1: error: include nested too deeply"},
		{name: "missing include", src: "\n%include \"nope.inc\"\n", want: "t.asm:2: error: unable to open include file `nope.inc': No such file or directory"},
		{name: "error directive", src: "%error stop here\n", want: "t.asm:1: error: stop here"},
		{name: "unterminated if", src: "%if 1\nnop\n", want: "t.asm:2: error: expected `%endif'"},
		{name: "else without if", src: "%else\n", want: "t.asm:1: error: `%else' without `%if'"},
		{name: "unterminated macro", src: "%macro m 0\nnop\n", want: "t.asm:1: error: end of file while still defining macro `m'"},
		{name: "unterminated string", src: "db 'abc\n", want: "t.asm:1: error: unterminated string"},
		{name: "binary input", src: "\x7fELF\x01\x01\x00\x00\x00", want: "t.asm:1: error: unexpected byte"},
		{name: "non-UTF-8 identifier", src: "mov eax, \xff\xfe\n", want: "t.asm:1: error: unexpected byte 0xff"},
		{name: "huge times", src: "times 1000000000000 db 0\n", want: "t.asm:1: error: TIMES value 1000000000000 exceeds the limit"},
		{name: "negative times", src: "times -1 db 0\n", want: "t.asm:1: error: TIMES value -1 is negative"},
		{name: "huge rep", src: "%rep 100000000\nnop\n%endrep\n", want: "t.asm:1: error: `%rep' count 100000000 exceeds the limit"},
		{name: "huge resb in text", src: "resb 1 << 40\n", want: "t.asm:1: error: reservation of 1099511627776 items is too large"},
		{name: "section too big", src: "times 1 << 20 dq 1, 2, 3, 4, 5, 6, 7, 8, 9, 10\n", want: "t.asm:1: error: section `.text' exceeds"},
		{name: "circular equ", src: "x equ y\ny equ x + 1\ndd x\n", want: "t.asm:1: error: symbol `x' cannot be resolved (circular definition?)"},
		{name: "oscillating times", src: "times x db 0\nx equ 5 - ($ - $$)\n", want: "t.asm: error: unable to find stable sizes"},
		{name: "division by zero", src: "dd 1 / 0\n", want: "t.asm:1: error: division by zero"},
		// nasm relocates references to the external against the global's
		// name instead: refused rather than written differently.
		{name: "global equ of an external", src: "extern ext\nglobal gx\ngx equ ext\ncall ext\n", format: "elf64",
			want: "t.asm:3: error: global `gx' equated to an external symbol is not supported"},
		{name: "float in expression", src: "dd 1.5 + 1\n", want: "t.asm:1: error: comma expected after operand"},
		{name: "float in instruction", src: "mov ax, 1.5\n", want: "t.asm:1: error: floating-point constant `1.5' is only allowed alone in data or in __floatN__()"},
		{name: "float in dy", src: "dy 1.5\n", want: "t.asm:1: error: no 256-bit floating-point format supported"}, // nasm's words
		{name: "integer in dt", src: "dt 1\n", want: "t.asm:1: error: integer supplied as 80-bit data"},            // nasm's words
		{name: "extern in bin", src: "extern f\ndd f\n", want: "t.asm:2: error: binary output format does not support external references"},
		{name: "org in elf", src: "org 0x100\n", format: "elf32", want: "t.asm:1: error: `org' is only valid with -f bin"},
		{name: "short jump out of range", src: "bits 32\njmp short x\ntimes 200 nop\nx: ret\n", want: "t.asm:2: error: short jump is out of range"},
		{name: "non-constant times", src: "extern f\ntimes f db 0\n", format: "elf32", want: "t.asm:2: error: non-constant argument supplied to TIMES"},
		{name: "wrt", src: "extern f\ncall f wrt ..gotoff\n", format: "elf64", want: "t.asm:2: error: ELF64 requires ..gotoff references to be qword absolute"},
		{name: "wrt plt in bin", src: "f:\ncall f wrt ..plt\n", want: "t.asm:2: error: symbol `..plt' not defined"},
		// nasm 2.16 panics ("intra-segment OUT_REL4ADR").
		{name: "wrt pc-relative same section", src: "global g\ng: nop\nmov rax, [rel g wrt ..got]\n", format: "elf64", want: "t.asm:3: error: `wrt' cannot make a PC-relative reference to a label in the same section"},
		{name: "wrt plt same section", src: "global g\ng: call g wrt ..plt\n", format: "elf32", want: "t.asm:2: error: `wrt' cannot make a PC-relative reference to a label in the same section"},
		{name: "in include", src: "%include \"a.inc\"\n", files: map[string]string{"a.inc": "\n\nbogus thing\n"}, want: "a.inc:3: error: parser: instruction expected"},
		{name: "macro parameter count", src: "%macro m 2\nnop\n%endmacro\nm 1\n", want: "t.asm:4: error: parser: instruction expected"},
		{name: "very long line", src: "db " + strings.Repeat("1+", 200000) + "\n", want: "t.asm:1: error: expression too long"}, // nasm 2.16's words
		{name: "deep parens", src: "db " + strings.Repeat("(", 100000) + "1\n", want: "t.asm:1: error: expression too deeply nested"},
		{name: "unknown %use package", src: "%use bogus\n", want: "t.asm:1: error: unknown `%use' package: `bogus'"},
		{name: "%use masm", src: "%use masm\n", want: "t.asm:1: error: `%use' package `masm' is not supported"},
		{name: "unknown alignmode", src: "%use smartalign\nalignmode k9\n", want: "t.asm:2: error: unknown alignment mode: k9"},
		{name: "%num is not nasm 2.16's", src: "%num x 1\n", want: "t.asm:1: error: unknown or unsupported preprocessor directive `%num'"},
		{name: "date without a build time", src: "db __DATE__\n", want: "t.asm:1: error: `__DATE__' needs the build time: set SOURCE_DATE_EPOCH"},
		{name: "bits before elf chooses", src: "db __BITS__\nbits 32\n", format: "elf", want: "t.asm:1: error: `__BITS__' is not known before the first BITS directive"},
		{name: "format before elf chooses", src: "%ifidn __OUTPUT_FORMAT__, elf64\n%endif\nbits 64\n", format: "elf", want: "t.asm:1: error: `__OUTPUT_FORMAT__' is not known before the first BITS directive"},
		{name: "exponential defines", src: "%define a0 x\n" + defineChain(40) + "db a40\n", want: "t.asm:42: error: macro expansion too large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"t.asm": tc.src}
			for k, v := range tc.files {
				files[k] = v
			}
			format := tc.format
			if format == "" {
				format = "bin"
			}
			res, err := Assemble("t.asm", Options{Format: format, ReadFile: memFS(files)})
			if err == nil {
				t.Fatalf("no error; want %q", tc.want)
			}
			var list Errors
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error %T %v is not an Errors list", err, err)
			}
			if res.Binary != nil || res.Object != nil {
				t.Fatal("output produced despite errors")
			}
			for _, l := range strings.Split(err.Error(), "\n") {
				if !diagLine.MatchString(l) && !strings.Contains(l, "... from macro") {
					t.Errorf("diagnostic line %q is not in nasm's form", l)
				}
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("errors:\n%v\nwant a line containing %q", err, tc.want)
			}
		})
	}
}

func defineChain(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		b.WriteString("%define a" + itoa(i) + " a" + itoa(i-1) + " a" + itoa(i-1) + "\n")
	}
	return b.String()
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// Several independent errors are all reported, in source order.
func TestSeveralErrorsReported(t *testing.T) {
	src := "bits 32\nfoo bar\nmov eax, nowhere\nxyz\ndb 1 +\n"
	_, err := Assemble("t.asm", Options{ReadFile: memFS(map[string]string{"t.asm": src})})
	if err == nil {
		t.Fatal("no error")
	}
	got := err.Error()
	for _, want := range []string{"t.asm:2: error:", "t.asm:5: error:"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
}

// Warnings do not stop assembly and use nasm's form.
func TestWarnings(t *testing.T) {
	src := "%warning careful\nlabel\ndb 300\nsection .data\nd: dw d + 0x10000\nbits 16\nlea cx, [d + 0x10000]\n"
	res, err := Assemble("t.asm", Options{ReadFile: memFS(map[string]string{"t.asm": src})})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range res.Warnings {
		got = append(got, w.String())
	}
	want := []string{
		"t.asm:1: warning: careful [-w+user]",
		"t.asm:2: warning: label alone on a line without a colon might be in error [-w+label-orphan]",
		"t.asm:3: warning: byte data exceeds bounds [-w+number-overflow]",
		"t.asm:7: warning: word data exceeds bounds [-w+number-overflow]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestListingShowsOffsetsAndBytes(t *testing.T) {
	src := "bits 32\nstart: mov eax, 1\n%macro two 0\nnop\nnop\n%endmacro\ntwo\nsection .bss\nbuf resb 16\n"
	res, err := Assemble("t.asm", Options{Format: "elf32", Listing: true, ReadFile: memFS(map[string]string{"t.asm": src})})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"     1                               bits 32",
		"     2 00000000 B801000000           start: mov eax, 1",
		"     7 00000005 90                   <1> nop",
		"     7 00000006 90                   <1> nop",
		"     8                               section .bss",
		"     9 00000000 <res 10>          buf resb 16",
	}
	if got := strings.TrimRight(string(res.Listing), "\n"); got != strings.Join(want, "\n") {
		t.Fatalf("listing:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}
