; i386 position-independent style: the GOT address via R_386_GOTPC, data via R_386_GOTOFF.
BITS 32
extern _GLOBAL_OFFSET_TABLE_
global _start
section .text
_start:
        call .here
.here:  pop ebx
        add ebx, _GLOBAL_OFFSET_TABLE_ + $$ - .here wrt ..gotpc
        lea ecx, [ebx + msg wrt ..gotoff]
        mov edx, [ebx + len wrt ..gotoff]
        mov ebx, 1
        mov eax, 4
        int 0x80
        mov ebx, 0
        mov eax, 1
        int 0x80
section .data
msg:    db "pic", 10
len:    dd 4
