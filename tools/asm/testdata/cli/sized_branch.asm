; A size on a jmp or call target: the mode's own is the near form, the
; other 16/32-bit one is that near form with a 66 prefix; the first size
; written counts (`long' is dword).
; args: -f bin
; args: -f elf32
BITS 32
start:  jmp long start
        jmp dword fwd
        call dword fwd
        jmp near dword start
        jmp strict dword fwd
        jmp word start
        call word fwd
        jmp word long fwd
        jmp long word fwd
BITS 16
        jmp word start
        jmp dword fwd
        call long fwd
        call word fwd
BITS 64
        jmp qword fwd
        call qword fwd
fwd:    ret
