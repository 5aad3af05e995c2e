; The seed program for x86-64: 64-byte ELF header, one RWX PT_LOAD, no
; section headers. Built by: nasm -f bin hello64.asm -o hello64
BITS 64
org 0x400000
ehdr:
    db 0x7F, "ELF", 2, 1, 1, 0
    times 8 db 0
    dw 2            ; e_type
    dw 62           ; e_machine
    dd 1            ; e_version
    dq _start       ; e_entry
    dq phdr - $$    ; e_phoff
    dq 0            ; e_shoff
    dd 0            ; e_flags
    dw ehdrsize     ; e_ehsize
    dw phdrsize     ; e_phentsize
    dw 1            ; e_phnum
    dw 0, 0, 0
ehdrsize equ $ - ehdr
phdr:
    dd 1, 7         ; PT_LOAD, RWX
    dq 0, $$, $$
    dq filesize, filesize
    dq 0x1000
phdrsize equ $ - phdr
_start:
    mov eax, 1
    mov edi, 1
    lea rsi, [rel msg]
    mov edx, len
    syscall
    mov eax, 60
    xor edi, edi
    syscall
msg: db "Hello World", 10
len equ $ - msg
filesize equ $ - $$
