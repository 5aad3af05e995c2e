; nasm's errors for a symbol defined again with another value: each
; names the definition that gave the value it is compared with.
; args: -f bin
; args: -f elf64
A       equ 1
A       equ 2
A       equ 2
A       equ 3
x:      nop
x:
y:
section .data
y:
z       equ x
z       equ 0
%rep 2
r:      db 0
%endrep
struc s
.a      resb 1
endstruc
struc s
.a      resw 1
endstruc
        jmp near fwd
fwd:
fwd     equ fwd
