BITS 64
%include "linux64.inc"
global _start
_start:
        sys_exit 0
