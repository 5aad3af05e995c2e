; %use smartalign: `align' pads with each mode's NOP sequences and jumps
; over padding longer than the threshold; alignmode's state carries over
; (k7 keeps the 16-bit group of the mode before it).
; nasm -E differs: nasm's align is a macro of the package; ours is the assembler's.
%use smartalign
%if __?ALIGN_JMP_THRESHOLD?__ != 8
%error default mode
%endif
%defstr MODE __ALIGNMODE__
%ifnidn MODE, 'generic,8'
%error default mode
%endif
BITS 16
        inc ax
        align 16
        alignmode k7
        inc ax
        align 16
        alignmode p6, nojmp
        inc ax
        align 64
BITS 32
        alignmode generic
%rep 9
        inc eax
        align 16
%endrep
        alignmode k7, 4
        inc eax
        align 16
        alignmode k8
        inc eax
        align 32
        inc eax
        align 256
        alignmode nop
        inc eax
        align 8
        align 16, db 0xcc
BITS 64
        alignmode p6
%rep 9
        inc rax
        align 16
%endrep
        alignmode generic, 2
        nop
        align 8
        alignb 4
        ret
