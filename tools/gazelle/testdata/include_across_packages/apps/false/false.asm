BITS 64
%include "linux/syscalls.inc"
%include "exit.inc"
global _start
_start: mov eax, SYS_exit
 mov edi, 1
 syscall
