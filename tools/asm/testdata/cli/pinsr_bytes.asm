; pinsrb/vpinsrb take a byte register by its number (sil without REX, in
; every mode); a trailing comma ends the operands; `to' before an x87
; register.
; args: -f bin -O0
; args: -f bin
bits 16
        pinsrb xmm1, sil, 0
        pinsrb xmm1, bl, 1
        vpinsrb xmm1, bl, 0
        vpinsrb xmm5, xmm1, bl, 0
        pinsrw xmm1, si, 0
bits 32
        pinsrb xmm1, sil, 0
        pinsrb xmm2, dl, 3
        vpinsrb xmm5, xmm1, dil, 0
        imul eax, ecx,
        push eax,
        fadd to st1
        fmul to st0
        fsubr to st7
        fdiv to st2
bits 64
        pinsrb xmm1, sil, 0
        pinsrb xmm1, r9b, 0
        pinsrb xmm9, al, 0
        vpinsrb xmm1, xmm2, r9b, 0
        vpinsrb xmm1, xmm2, spl, 0
        imul rax, rcx,
        imul rax,
