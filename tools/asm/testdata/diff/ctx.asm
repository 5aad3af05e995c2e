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
