; %push/%pop context-local labels, the classic structured-if macros.
BITS 32
%macro if_zero 0
%push if
        jnz %$else
%endmacro
%macro else 0
%ifctx if
%repl else
        jmp %$endif
%$else:
%else
%error "else without if_zero"
%endif
%endmacro
%macro endif 0
%ifctx if
%$else:
%else
%$endif:
%endif
%pop
%endmacro
section .text
        test eax, eax
        if_zero
          mov ebx, 1
          test ecx, ecx
          if_zero
            inc edx
          else
            dec edx
          endif
        else
          mov ebx, 2
        endif
        ret
; condition codes passed to macros, inverted with %-1
%macro if 1
%push if
        j%-1 %$ifnot
%endmacro
%macro endif2 0
%$ifnot:
%pop
%endmacro
        cmp eax, ebx
        if ae
          nop
        endif2
        if nz
          nop
        endif2
        if g
          if po
            int3
          endif2
        endif2
%macro jump_if 2
        j%+1 %2
%endmacro
        jump_if le, there
there:  ret
