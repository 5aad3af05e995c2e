; nasm accepts a symbol defined again with the value it already has:
; equ constants, equ of a label, a label and an equ of the same address,
; a struc declared twice (a header included twice).
; args: -f bin
; args: -f elf64
A       equ 1
A       equ 1
B       equ A + 1
B       equ 2
start:
start   equ $
        mov eax, A + B
here    equ start
here    equ start
.loc:   dd here
.loc    equ start.loc
%rep 2
C       equ 3
%endrep
struc pt
.x      resd 1
.y      resd 1
endstruc
struc pt
.x      resd 1
.y      resd 1
endstruc
absolute 8
abs1:
abs1    equ 8
section .text
        dd pt_size, pt.y, abs1, C
