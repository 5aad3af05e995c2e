; nasm's split effective address [base+disp,index*scale]: the part after
; the comma is the index (never the base), the part before the base.
; args: -f bin
; args: -f elf32
bits 32
x:      mov eax, [eax]
        mov eax, [eax,ecx]
        mov eax, [eax,ecx*4]
        mov eax, [eax+8,ecx*4]
        mov eax, [,ecx]
        mov eax, [,ecx*2]
        mov eax, [3,1*ebx]
        mov eax, [ecx,eax]
        mov eax, [x,ecx*8]
        mov eax, [ebx+x,esi]
        mov eax, [fs:eax,ecx]
        lea esi, [esp,eax*2]
        mov eax, [ebx,ebx]
        mov eax, [,esp]
        mov eax, [ebx,esp]
bits 64
        mov rax, [rax,r9*8]
        mov rax, [r12+16,rcx]
        mov eax, [,rsp]
        mov eax, [,r12]
bits 16
        mov ax, [bx,si]
        mov ax, [bp+2,di]
