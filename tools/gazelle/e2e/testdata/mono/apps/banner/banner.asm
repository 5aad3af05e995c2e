; Prints a banner kept as a data file next to its include file.
BITS 64
default rel
%include "io64.mac"

section .data
%include "lib/art/art.inc"

section .text
global _start
_start:
        write_str art, art_len
        sys_exit 0
