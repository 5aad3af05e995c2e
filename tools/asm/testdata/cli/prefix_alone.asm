; Prefixes on a line of their own are emitted in nasm's order (wait, rep,
; lock, segment, operand size, address size) whatever order they are
; written in, a size prefix only where it changes the mode's size; the same
; prefix twice is one, with a warning (with an instruction too).
; args: -f bin
BITS 16
        wait
        o16
        o32
        a16
        a32
        lock rep
        cs rep
        cs o32
        o32 a32 wait
        rep
        fs
BITS 32
        o16
        o32
        a16
        a32
        a32 o16 es repne
        wait
        fadd st1
        rep rep movsb
        lock lock add [eax], eax
BITS 64
        o16
        o32
        a32
        a64
        gs
        ss
        o16 o16
