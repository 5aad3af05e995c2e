; FizzBuzz 1..15 on i386 Linux: division, a .bss buffer, macros, local labels.
; run: 1\n2\nFizz\n4\nBuzz\nFizz\n7\n8\nFizz\nBuzz\n11\nFizz\n13\n14\nFizzBuzz\n
BITS 32
%define SYS_WRITE 4
%define SYS_EXIT  1
%macro write 2                  ; buffer, length
        mov edx, %2             ; first: %2 may be ecx
        mov ecx, %1
        mov eax, SYS_WRITE
        mov ebx, 1
        int 0x80
%endmacro

section .text
global _start
_start:
        mov esi, 1
.next:
        xor edi, edi            ; printed something?
        mov eax, esi
        xor edx, edx
        mov ecx, 3
        div ecx
        test edx, edx
        jnz .not3
        write fizz, 4
        inc edi
.not3:
        mov eax, esi
        xor edx, edx
        mov ecx, 5
        div ecx
        test edx, edx
        jnz .not5
        write buzz, 4
        inc edi
.not5:
        test edi, edi
        jnz .newline
        call print_number
.newline:
        write nl, 1
        inc esi
        cmp esi, 15
        jbe .next
        mov eax, SYS_EXIT
        xor ebx, ebx
        int 0x80

; print_number: esi in decimal
print_number:
        mov eax, esi
        lea edi, [digits + DIGITS]
        xor ecx, ecx
.loop:  xor edx, edx
        mov ebx, 10
        div ebx
        add dl, '0'
        dec edi
        mov [edi], dl
        inc ecx
        test eax, eax
        jnz .loop
        write edi, ecx
        ret

section .rodata
fizz:   db "Fizz"
buzz:   db "Buzz"
nl:     db 10

section .bss
DIGITS  equ 12
digits: resb DIGITS
