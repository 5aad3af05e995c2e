; Far pointers: `jmp seg:off` and `call seg:off` (EA/9A) in 16 and 32-bit
; mode, sizes before the pointer or after the colon, o16/o32/a16/a32 as
; nasm writes them; far through memory; retf.
; args: -f bin
; args: -f elf32
bits 16
start:  jmp 0:start
        jmp 0x08:pmode
        call 0x1234:0x5678
        jmp word 0x10:start
        jmp dword 0x10:pmode
        call 8:dword pmode
        jmp (4+4):start+4
        o32 jmp 8:start
        o16 jmp 8:start
        a32 call 8:start
        es jmp 8:start
        jmp far [bx]
        call far [si+2]
        jmp far dword [bx]
        retf
        retf 4
bits 32
pmode:  jmp 0x08:pmode
        jmp word 0x08:start
        o16 jmp 8:pmode
        call 0x18:pmode
        jmp far [ebx]
        call far word [eax]
        retf
bits 64
        jmp far [rbx]
        call far qword [rax]
        retfq
