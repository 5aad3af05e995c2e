; No _start: asm_binary must fail at build time with a clear message.
BITS 32
section .text
global main
main:
        ret
