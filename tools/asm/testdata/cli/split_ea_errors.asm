; Split addresses nasm refuses: an index before the comma, a base or a
; displacement after it.
; Each command line assembles one of the lines (T selects it).
; args: -f bin -DT=1
; args: -f bin -DT=2
; args: -f bin -DT=3
; args: -f bin -DT=4
bits 32
%if T == 1
        mov eax, [eax*2,ecx]
%endif
%if T == 2
        mov eax, [eax,ecx+4]
%endif
%if T == 3
        mov eax, [eax,ecx+edx]
%endif
%if T == 4
        mov eax, [eax+ebx,ecx]
%endif
