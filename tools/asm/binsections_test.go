package asm

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-tiny/rules_tiny/tools/internal/nasmgolden"
)

// binSectionCases exercise nasm's -f bin section model: each is a whole
// program; nasm's bytes (or its refusal) are the oracle.
var binSectionCases = map[string]string{
	"default order and alignment": `
section .data
d: db 1, 2, 3
section .text
t: mov ax, d
   jmp t2
section .bss
b: resb 5
section .other
o: dw b, o, d
section .text
t2: ret
`,
	"org and start": `
org 0x7c00
section .text
  mov si, msg
section .data start=0x7d00
msg: db "hi", 0
`,
	"vstart runs elsewhere": `
org 0x100
bits 32
start: call far_code
section .far vstart=0x90000 align=16
far_code: mov eax, far_code
  mov ebx, start
  ret
section .more follows=.far vstart=0xa0000
more: dd more, far_code, section..far.start, section..far.vstart, section..more.start
`,
	"follows reorders groups": `
section .a follows=.c
a: db 'a'
section .b
b: db 'b'
section .c
c: db 'c'
section .d follows=.text
d: db 'd'
section .text
db 't'
dd a, b, c, d
`,
	"start sorts sections": `
section .hi start=0x300
db 3
section .lo start=0x100
db 1
section .mid start=0x200
db 2
section .after
db 4
`,
	"align and valign": `
section .text
db 1
section .x align=64
x: db 2
section .y valign=256
y: dd y, x
section .z align=(1 << 5) vstart=0x1000
z: dd z
`,
	"sectalign and align statements": `
section .text
db 1
section .s
align 32
s: dd s
section .t
sectalign 128
t: db 9
section .u
align 2
u: dd u
`,
	"nobits sections": `
org 0x1000
section .text
dd b1, b2, n1, n2
section .bss
b1: resb 3
section .n1 nobits
n1: resd 2
section .data
db 5
section .n2 nobits vstart=0x5000
n2: resb 1
section .bss
b2: resw 1
`,
	"vfollows": `
section .text
db 1
section .a vstart=0x4000
a: times 10 db 0
section .b vfollows=.a
b: dd a, b
section .c vfollows=.b valign=64
c: dd c
`,
	"attributes read as nasm reads text": `
BASE equ 0x400000
ALIGNMENT equ 0x200
org BASE
section .text
dd s
section progbits vstart=BASE + 0x1000 align=ALIGNMENT
s: dd s
section weird vstart=(BASE + 0x2000) ALIGN=16 foo
w: dd w
`,
	"equ defined later": `
section .text
dd s
section .s vstart=LATER
s: dd s
LATER equ 0x8000 + SIZE
SIZE equ 16
`,
	"relative jumps across sections": `
bits 32
section .text
  call f
  jmp g
section .f vstart=0x10000
f: ret
section .g
g: call f
`,
	"dollar-dollar in vstart sections": `
section .text
db 0
section .v vstart=0x2000
v: dd $$, $, $-$$
`,
	"section start symbols of text": `
org 0x100
dd section..text.start, section..text.vstart
section .data
dd section..data.start, section..data.vstart
`,
	"empty sections": `
section .empty start=0x50
section .text
db 1
section .data
section .more
db 2
`,
	"first section aligned after the origin": `
org 0x101
section .text align=16
db 1
section .d
db 2
`,
	"text with vstart": `
org 0x100
section .text vstart=0x8000
t: jmp t2
dw t, t2
section .x
t2: jmp t
`,
	"16-bit jumps between sections": `
bits 16
org 0x7c00
jmp go
section .hi vstart=0x500
go: mov ax, go
call back
section .text
back: ret
`,
	"sectalign off": `
section .text
db 1
section .s
db 2
sectalign off
align 3
db 3
align 64
s: dd s
sectalign on
align 8
`,
	"equ counting its section backwards": `
org 0x400000
times 16 db 0
DELTA equ 0x2000 - ($ - 0x400000)
dd DELTA + entry - 0x400000
section .code vstart=0x401000
entry: dd DELTA
`,
	"align not a power of two": "db 1\nalign 13\n",
	"overlap":                  "section .a start=0x100\ndb 1\nsection .b start=0x100\ndb 2\n",
	"follows unknown":          "section .a follows=.zz\ndb 1\n",
	"self following":           "section .a follows=.a\ndb 1\n",
	"two follow one":           "section .a follows=.text\ndb 1\nsection .b follows=.text\ndb 2\n",
	"circular vfollows":        "section .a vfollows=.b\ndb 1\nsection .b vfollows=.a\ndb 2\n",
	"before origin":            "org 0x200\nsection .text start=0x100\ndb 1\n",
	"type change":              "section .a progbits\nsection .a nobits\n",
	"align not power":          "section .a align=3\ndb 1\n",
	"start and follows":        "section .a start=0x10 follows=.text\ndb 1\n",
	"start redefined":          "section .a start=0x10\nsection .a start=0x20\ndb 1\n",
	"label attribute":          "section .text\nl: db 1\nsection .a start=l\ndb 1\n",
	"mixed nobits":             "section .n nobits start=0x10 vstart=0x20\nresb 1\n",
	"start align clash":        "section .a align=16 start=0x108\ndb 1\n",
	"program origin moved":     "org 0x100\norg 0x200\ndb 1\n",
}

// The -f bin section model gives nasm's bytes, and nasm's refusals
// (nasm's answers: testdata/nasm/TestBinSectionsMatchNasm.txt).
func TestBinSectionsMatchNasm(t *testing.T) {
	golden := nasmgolden.ForTest(t)
	dir := t.TempDir()
	for name, src := range binSectionCases {
		t.Run(name, func(t *testing.T) {
			file := strings.ReplaceAll(name, " ", "_") + ".asm"
			if err := os.WriteFile(filepath.Join(dir, file), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			ans := nasmSaid(t, golden, dir, []byte(src), "-f", "bin", "-o", nasmgolden.Out, file)
			res, err := Assemble(file, Options{ReadFile: readIn(dir)})
			if !ans.OK() {
				if err == nil {
					t.Fatalf("nasm refuses it, we do not:\n%s", ans.Output)
				}
				return
			}
			if err != nil {
				t.Fatalf("nasm accepts it, we do not: %v", err)
			}
			want := ans.File(t, nasmgolden.Out)
			if !bytes.Equal(res.Binary, want) {
				t.Fatalf("bytes differ from nasm at offset %d (ours %d bytes, nasm %d)\nours: %x\nnasm: %x",
					firstDiff(res.Binary, want), len(res.Binary), len(want), res.Binary, want)
			}
		})
	}
}

// [map ...] writes nasm's map file: origin, sections, symbols.
func TestBinMapFileMatchesNasm(t *testing.T) {
	golden := nasmgolden.ForTest(t)
	dir := t.TempDir()
	for _, what := range []string{"all", "brief", "sections", "symbols", "segments symbols"} {
		src := "org 0x100\n[map " + what + " m.map]\nsection .text\nstart: nop\njmp start\n.loc: ret\n" +
			"section .data\nd1: dd 5\nsection .bss\nb1: resb 4\nsection .v vstart=0x1000 align=16\nv1: db 1\n" +
			"K equ 5\nL equ d1\nstruc S\n.f: resd 1\nendstruc\nsection .n nobits follows=.v\nn1: resb 2\n"
		if err := os.WriteFile(filepath.Join(dir, "m.asm"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		// nasm's map names its output file: m.bin, as Options.OutputName.
		args := []string{"-f", "bin", "-o", "m.bin", "m.asm"}
		ans := golden.Answer(t, "[map "+what+"] nasm "+strings.Join(args, " "), []byte(src), func() nasmgolden.Answer {
			a := nasmgolden.Run(t, dir, args, "m.map", "m.bin")
			delete(a.Files, "m.bin")
			return a
		})
		if !ans.OK() {
			t.Fatalf("nasm: status %d\n%s", ans.Status, ans.Output)
		}
		want := ans.File(t, "m.map")
		res, err := Assemble("m.asm", Options{ReadFile: readIn(dir), OutputName: "m.bin"})
		if err != nil {
			t.Fatal(err)
		}
		if res.MapTo != "m.map" || string(res.Map) != string(want) {
			t.Errorf("[map %s]: to %q:\n%s\nnasm:\n%s", what, res.MapTo, res.Map, want)
		}
	}
	if _, err := Assemble("m.asm", Options{Format: "elf64", ReadFile: memFS(map[string]string{"m.asm": "[map all x.map]\n"})}); err == nil {
		t.Error("[map] accepted for elf64 (nasm: unrecognized directive)")
	}
}
