; nasm takes `lea reg, value' as `lea reg, [value]': the value is the
; address (under `default rel' too), and a size or short/near/strict
; written on it is ignored; a register is not an address.
; args: -f bin
; args: -f elf64
BITS 64
        lea rsi, buf
        lea esi, buf + 4
        lea si, buf
        lea rsi, 5
        lea rsi, qword buf
        lea rsi, byte buf
        lea rsi, strict buf
        lea rsi, short buf
default rel
        lea rsi, buf
default abs
BITS 32
        lea esi, buf
        lea si, 0x1234
        lea esi, word 5
BITS 16
        lea si, buf
        lea esi, buf
buf:    db 0
