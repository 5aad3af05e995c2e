; Branches with an explicit operand size: near, 66 and a displacement of
; that size when it is not the mode's; a conditional jump needs near too.
; args: -f bin -O0
; args: -f bin -O1
; args: -f bin -Ox
; args: -f elf32
bits 32
start:  jmp short start
        jmp near start
        jmp word start
        jmp dword start
        jmp strict word start
        jmp word fwd
        jmp dword fwd
        call word start
        call dword fwd
        jz near word start
        jz near dword fwd
        jmp start
        jmp fwd
fwd:
bits 16
        jmp word start
        jmp dword start
        call dword start
        jz near dword start
        jmp near word start
bits 64
        jmp qword start
        call qword start
        jz near qword start
