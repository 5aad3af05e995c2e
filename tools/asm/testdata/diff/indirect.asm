; %[...]: the contents are expanded in place, not evaluated, and joined
; with the tokens written against the construct (names built in %rep,
; Foo%[__BITS__]).
%assign i 3
%define B 32
Foo32 equ 7
x3 equ 9
    dd Foo%[B], x%[i], %[i] + 1, %[i+1]
%assign i 0
%rep 3
lbl%[i]: db i
%assign i i+1
%endrep
    dd lbl2 - lbl0
