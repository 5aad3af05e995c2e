; The seed program (write "Hello World\n", exit 0) as a 127-byte i386 ELF
; with one RWX PT_LOAD and no section headers, the shape the tiny linker
; produces. Built by: nasm -f bin hello.asm -o hello (hello is committed so
; the tests do not need nasm; a test checks nasm still reproduces it).
BITS 32
org 0x08048000
ehdr:
    db 0x7F, "ELF", 1, 1, 1, 0
    times 8 db 0
    dw 2            ; e_type
    dw 3            ; e_machine
    dd 1            ; e_version
    dd _start       ; e_entry
    dd phdr - $$    ; e_phoff
    dd 0            ; e_shoff
    dd 0            ; e_flags
    dw ehdrsize     ; e_ehsize
    dw phdrsize     ; e_phentsize
    dw 1            ; e_phnum
    dw 0, 0, 0
ehdrsize equ $ - ehdr
phdr:
    dd 1, 0, $$, $$
    dd filesize, filesize
    dd 7, 0x1000
phdrsize equ $ - phdr
_start:
    mov eax, 4
    mov ebx, 1
    mov ecx, msg
    mov edx, len
    int 0x80
    mov eax, 1
    xor ebx, ebx
    int 0x80
msg: db "Hello World", 10
len equ $ - msg
filesize equ $ - $$
