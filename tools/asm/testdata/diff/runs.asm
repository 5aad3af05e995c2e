; Runs of statements whose bytes are known when parsed (folded into
; byte runs), mixed with labels, sections, jumps and data that refer to
; labels, which must land where nasm puts them.
BITS 32
section .text
start:
%rep 3
	xor eax, eax
	mov ebx, [esi + 4*ecx + 8]
	add eax, 0x12345678
	push 5
%endrep
middle:
	jmp start
	nop
	nop
%assign i 0
%rep 20
	db i, i * 2, 'ab'
	dw i * 300
%assign i i + 1
%endrep
	dd start, middle - start
after:
	times 3 nop
	int 0x80
section .data
table:
%rep 4
	dd 1, 2, 3.5
	db "xyz", 0
%endrep
	dd table, after
section .text
	mov eax, table
	ret
