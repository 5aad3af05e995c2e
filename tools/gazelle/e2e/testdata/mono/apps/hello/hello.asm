; Hello from the monorepo, x86-64.
BITS 64
default rel
%include "io64.mac"

section .data
%include "greeting.inc"

section .text
global _start
_start:
        write_str msg, msg_len
        sys_exit 0
