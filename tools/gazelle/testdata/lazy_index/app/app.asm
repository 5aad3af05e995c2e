%include "lib/sys/exit.inc"
global _start
_start: mov eax, SYS_exit
 syscall
