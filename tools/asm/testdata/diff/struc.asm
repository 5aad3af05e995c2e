; struc/endstruc, istruc/at/iend, absolute.
; nasm -E differs: nasm implements struc/istruc as standard macros
BITS 32
struc point
.x:     resd 1
.y:     resd 1
.name:  resb 8
endstruc

struc hdr, 4
h_magic resw 1
h_len   resw 1
endstruc

section .text
global _start
_start:
        mov eax, [ebx + point.y]
        mov ecx, point_size
        mov edx, h_len
        lea esi, [origin + point.name]
        call 0x1000
        ret
section .data
origin:
        istruc point
        at point.x, dd 1
        at point.y, dd 2
        at point.name, db "org"
        iend
        dd point_size, hdr_size
absolute 0x100
abs1    resb 4
abs2    resd 1
section .text
        mov eax, abs2
