; Preprocessor: a %macro named like an instruction uses the instruction in
; its own body (nasm does not expand a macro inside its own expansion);
; the agguro/linux-nasm syscall wrapper pattern, overloads, and labels.
BITS 64
%imacro syscall 0-3.nolist
%if %0 > 0
  %if %0 > 1
        mov rdi, %2
  %endif
        mov eax, %1
        syscall                 ; the instruction, not the macro
%else
        syscall                 ; again the instruction
%endif
%endmacro

%macro push 1
        push %1                 ; the instruction
        inc qword [counter]
%endmacro

; Overloads: the two-parameter `not' calls the one-parameter one, which
; is not in progress; inside that, `not' is the instruction.
%macro not 1
        not %1                  ; the instruction
%endmacro
%macro not 2
        not %1                  ; the macro above
        not %2
%endmacro

; Macros calling each other: the inner `pause' is the instruction since
; the macro `pause' is in progress.
%macro nop 0
        db 0x11
        pause
%endmacro
%macro pause 0
        db 0x22
        nop
%endmacro

section .text
start:  syscall
        SYSCALL 60
        syscall 1, rbx
lbl:    push rax
lbl2    push rbx
        not rax
        not rcx, rdx
        pause
        nop
        ret

section .data
counter: dq 0
