; Address sizes in brackets that nasm refuses.
; Each command line assembles one of the lines (T selects it).
; args: -f bin -DT=1
; args: -f bin -DT=3
; args: -f bin -DT=4
; args: -f bin -DT=5
; args: -f bin -DT=6
; args: -f bin -DT=7 -w-all
; args: -f bin -DT=2
bits 64
%if T == 1
        mov eax, [a16 0]
%endif
%if T == 3
        mov eax, [a32 a64 0]
%endif
%if T == 4
        mov eax, [a32 rax]
%endif
bits 32
%if T == 5
        mov eax, [a64 0]
%endif
%if T == 6
        mov eax, [a16 eax]
%endif
%if T == 2
        a16 mov eax, [a32 0]
%endif
%if T == 7
        mov eax, [qword 0]
%endif
