; Prefixes nasm refuses: two of one group, asp's address size against the
; registers', size prefixes alone that the mode has not, a prefix as a label.
; Each command line assembles one of the lines (T selects it).
; args: -f bin -DT=1
; args: -f bin -DT=2
; args: -f bin -DT=3
; args: -f bin -DT=4
; args: -f bin -DT=5
; args: -f bin -DT=6
; args: -f bin -DT=7
; args: -f bin -DT=8
; args: -f bin -DT=9
; args: -f bin -DT=10
; args: -f bin -DT=11
bits 32
%if T == 1
        rep repne movsb
%endif
%if T == 2
        rep xacquire movsb
%endif
%if T == 3
        o16 o32 nop
%endif
%if T == 4
        xacquire xrelease lock add [eax], eax
%endif
%if T == 5
        a16 asp nop
%endif
bits 64
%if T == 6
        asp mov eax, [rax]
%endif
%if T == 7
        a16
%endif
bits 32
%if T == 8
        o64
%endif
%if T == 9
        a64
%endif
%if T == 10
rep:    nop
%endif
%if T == 11
osp:    nop
%endif
