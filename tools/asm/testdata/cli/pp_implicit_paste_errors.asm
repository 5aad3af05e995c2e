; A number is not joined with a name after it.
; args: -f bin
%define m 12
%[m]_x equ 6
%[m]m equ 10
