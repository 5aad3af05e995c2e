; nasm joins what a %[...] or a single-line macro makes with the tokens
; written against it: a name with a name or a number after it (and,
; after %[...], a number with a number); an operator stays apart.
; args: -f bin
%define n foo
%define m 12
%define f(x) x
%define e
%imacro OPT_LIST 1
        %push opt_ctx
        %define %$name %1
%endmacro
%imacro ENDOPT 0
%[%$name]:
        dd 0
%[%$name]_count equ 3
        %pop opt_ctx
%endmacro
foo_count equ 1
foobar  equ 2
foo1    equ 3
foo.loc equ 4
xfooy   equ 5
foofoo  equ 6
nfoo    equ 7
efoo    equ 8
        dd %[n]_count, %[n]bar, %[n]1, %[n].loc, x%[n]y, %[n]%[n]
        dd f(foo)bar, f(foo)1, f(x)%[n]y, n%[n], f(foo)_count, e%[n]
        dd %[m]+1, %[m]3, (%[m])
OPT_LIST list
ENDOPT
        dd list_count, list
