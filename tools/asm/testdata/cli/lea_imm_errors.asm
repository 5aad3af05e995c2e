; `lea' with a register, or with nothing to take the address of.
; args: -f bin
BITS 64
        lea rsi, rax
        lea buf, rsi
        lea rsi
buf:    db 0
