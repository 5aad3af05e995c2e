; %xdefine expands its body when defined, but not its parameters, even
; when a macro has their name; parameters next to %+ are pasted by name.
; args: -f bin
%idefine d dword
%define digit_nocheck(d) (((d) % 10) + '0')
%xdefine digit(d) (!!(d / 10) * (1 << 32) + digit_nocheck(d))
	db digit(8)
%define n 0x21
%xdefine ctr n
%define n 0x22
	db ctr, n
%define ab 0x33
%xdefine f(a, b) a %+ b
	db f(1, 2)
