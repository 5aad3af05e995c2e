; Hello with macros from a shared include file and a -D define.
BITS 32
%include "linux32.inc"

%ifndef GREETING
%define GREETING "Hello World"
%endif

section .data
msg:    db GREETING, 10
len     equ $ - msg

section .text
global _start
_start:
        sys_write 1, msg, len
        sys_exit 0
