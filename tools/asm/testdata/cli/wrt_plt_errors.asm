; A PLT reference that is not PC-relative is nasm's error, in either
; ELF class.
; args: -f elf64
; args: -f elf32
extern printf
section .text
%if __BITS__ == 64
    lea rax, [abs printf wrt ..plt]
%else
    mov eax, printf wrt ..plt
    lea eax, [printf wrt ..plt]
%endif
    call printf wrt ..plt
    dd 0
