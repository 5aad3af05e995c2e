BITS 64
default rel
%include "io64.mac"

section .data
greeting: db "greeter: ready", 10
greeting_len equ $ - greeting

section .text
global _start
_start:
        write_str greeting, greeting_len
        sys_exit 0
