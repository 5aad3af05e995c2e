; BITS 32 needs a 386 and BITS 64 an x86-64 at the `cpu` level in effect;
; nasm says so and stays in 16-bit mode.
; args: -f bin
cpu 286
bits 32
        mov ax, 1
use32
bits 64
cpu 386
bits 32
        mov ax, 1
bits 64
cpu x64
bits 64
        mov ax, 1
