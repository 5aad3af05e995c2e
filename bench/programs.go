package main

import (
	"fmt"
	"strings"
)

// program is one benchmark input: NASM-syntax source that nasm and tiny
// must both accept, and whose behaviour (stdout, exit code) must be the same
// whichever pipeline built it.
type program struct {
	name   string
	bits   int // 32 or 64
	source string
}

func (p program) lines() int { return strings.Count(p.source, "\n") }

// The seed program of issue 2, unchanged from the 2019 recipe.
const hello32 = `BITS 32
section .data
msg:    db "Hello World", 10
len     equ $-msg
section .text
global _start
_start:
        mov edx, len
        mov ecx, msg
        mov ebx, 1
        mov eax, 4
        int 0x80
        mov ebx, 0
        mov eax, 1
        int 0x80
`

const hello64 = `BITS 64
section .data
msg:    db "Hello World", 10
len     equ $-msg
section .text
global _start
_start:
        mov edx, len
        lea rsi, [rel msg]
        mov edi, 1
        mov eax, 1
        syscall
        xor edi, edi
        mov eax, 60
        syscall
`

// count64 prints 1..100, one per line: loops, div, a .bss buffer.
const count64 = `BITS 64
section .bss
buf:    resb 32
section .text
global _start
_start:
        mov r12d, 1
.next:
        mov eax, r12d
        lea rdi, [rel buf+31]
        mov byte [rdi], 10
        mov ecx, 10
.digit:
        xor edx, edx
        div ecx
        add dl, '0'
        dec rdi
        mov [rdi], dl
        test eax, eax
        jnz .digit
        lea rdx, [rel buf+32]
        sub rdx, rdi
        mov rsi, rdi
        mov edi, 1
        mov eax, 1
        syscall
        inc r12d
        cmp r12d, 100
        jbe .next
        xor edi, edi
        mov eax, 60
        syscall
`

// generated returns a program of about `lines` source lines: many small
// functions that fold constants into a checksum (ebx), store it in a table,
// switch sections to add a string each, and at the end print "done" and
// exit with the checksum's low 7 bits, so a wrong byte anywhere shows up as
// a different exit code.
func generated(bits, lines int) program {
	var b strings.Builder
	ax, bx, cx, dx := "eax", "ebx", "ecx", "edx"
	rel := ""
	if bits == 64 {
		rel = "rel "
	}
	push := func(r string) string {
		if bits == 64 {
			return "r" + r[1:]
		}
		return r
	}
	const perFunc = 25 // lines per function below, plus its call
	n := lines / perFunc
	if n < 1 {
		n = 1
	}
	fmt.Fprintf(&b, "BITS %d\n; generated: %d functions\nsection .bss\ntab:    resd %d\nsection .data\ndone:   db \"done\", 10\nsection .text\nglobal _start\n_start:\n        xor ebx, ebx\n", bits, n, n)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "        call f%d\n", i)
	}
	if bits == 64 {
		b.WriteString("        mov r12d, ebx\n        mov edx, 5\n        lea rsi, [rel done]\n        mov edi, 1\n        mov eax, 1\n        syscall\n        mov edi, r12d\n        and edi, 0x7f\n        mov eax, 60\n        syscall\n")
	} else {
		b.WriteString("        mov edi, ebx\n        mov edx, 5\n        mov ecx, done\n        mov ebx, 1\n        mov eax, 4\n        int 0x80\n        mov ebx, edi\n        and ebx, 0x7f\n        mov eax, 1\n        int 0x80\n")
	}
	for i := 0; i < n; i++ {
		k := uint32(i)*2654435761 + 12345
		fmt.Fprintf(&b, "section .data\ns%d:    db \"function %d\", 10, 0\nsection .text\nf%d:\n", i, i, i)
		fmt.Fprintf(&b, "        mov %s, %d\n", ax, k&0xffffff)
		fmt.Fprintf(&b, "        add %s, %s\n", bx, ax)
		fmt.Fprintf(&b, "        imul %s, %s, %d\n", ax, bx, i%13+3)
		fmt.Fprintf(&b, "        xor %s, %s\n", bx, ax)
		fmt.Fprintf(&b, "        mov %s, %d\n", cx, i%5+1)
		b.WriteString(".l:\n")
		fmt.Fprintf(&b, "        lea %s, [%s+%s*4+%d]\n", ax, push(bx), push(cx), i%100)
		fmt.Fprintf(&b, "        add %s, %s\n", bx, ax)
		fmt.Fprintf(&b, "        rol %s, %d\n", bx, i%7+1)
		fmt.Fprintf(&b, "        dec %s\n", cx)
		b.WriteString("        jnz .l\n")
		fmt.Fprintf(&b, "        push %s\n", push(bx))
		fmt.Fprintf(&b, "        pop %s\n", push(dx))
		fmt.Fprintf(&b, "        cmp %s, 0x%x\n", dx, k>>8)
		b.WriteString("        jae .s\n")
		fmt.Fprintf(&b, "        movzx %s, byte [%ss%d]\n", ax, rel, i)
		fmt.Fprintf(&b, "        add %s, %s\n", bx, ax)
		b.WriteString(".s:\n")
		fmt.Fprintf(&b, "        mov [%stab+%d], %s\n", rel, 4*i, bx)
		b.WriteString("        ret\n")
	}
	name := fmt.Sprintf("gen%d-%dk", bits, lines/1000)
	if lines < 1000 {
		name = fmt.Sprintf("gen%d-%d", bits, lines)
	}
	return program{name: name, bits: bits, source: b.String()}
}

// sizePrograms are the programs of the size and per-build time tables.
func sizePrograms() []program {
	return []program{
		{"hello32 (seed)", 32, hello32},
		{"hello64", 64, hello64},
		{"count64", 64, count64},
		generated(32, 1000),
		generated(64, 1000),
	}
}
