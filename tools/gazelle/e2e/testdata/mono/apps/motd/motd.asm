; Prints a message of the day kept in tools/blob/, a directory of data files
; with no assembly and no BUILD file, and a version string defined in
; meta/version.def (an include file with no assembly extension, in a
; directory without BUILD file either). Both are found through the root
; include root, as nasm finds them with -I.
BITS 64
default rel
%include "io64.mac"
%include "meta/version.def"

section .data
motd:     incbin "tools/blob/motd.txt"
motd_len  equ $ - motd
version:  db "version ", VERSION, 10
version_len equ $ - version

section .text
global _start
_start:
        write_str motd, motd_len
        write_str version, version_len
        sys_exit 0
