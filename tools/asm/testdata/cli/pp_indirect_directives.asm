; %[...] is resolved before the directive sees the line, and a word right
; after it joins an identifier it ends with.
; args: -f bin
; args: -f bin -E
%assign foo2 22
%assign foo22 2222
%assign n 2
%assign foo%[foo%[n]] foo%[foo%[n]] + 1
	dw foo22
%define foo22bar 0x77
	db %[foo%[foo2]bar]
%define tail abc
%define label .end_%[tail]
	db %[n]0
top:
label:
	dw .end_abc
