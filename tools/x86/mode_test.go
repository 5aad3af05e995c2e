package x86

import (
	"fmt"
	"testing"
)

// A form whose operands match but which the mode lacks (`push esi`, `pop ds`
// in BITS 64) gets nasm's "instruction not supported in 64-bit mode", not
// the generic "invalid combination"; forms the mode has still encode.
func TestModeOnlyFormsErrorLikeNasm(t *testing.T) {
	lines := []string{
		"pop esi", "push esi", "push eax", "pop r8d", "push ds", "pop ds", "push cs",
		"push es", "pop es", "push ss", "pop ss", "push dword [rax]", "pop dword [eax]",
		"jmp dword [rax]", "call dword [rax]", "jmp eax", "call r9d", "mov eax, cr0",
		"push fs", "pop gs", "push rax", "pop r8", "inc eax", "push word 5", "push 5",
		"push ax", "pop word [rax]", "jmp rax", "call qword [rax]",
		"pusha", "popad", "into", "jcxz $",
	}
	reportDiff(t, "64-bit-only-forms", compareWithNasm(t, "modeforms64", 64, lines))
	reportDiff(t, "32-bit-forms", compareWithNasm(t, "modeforms32", 32, []string{
		"pop esi", "push ds", "pop es", "jmp eax", "push dword [eax]", "cdqe", "jrcxz $", "iretq",
	}))
	// The other way round: 64-bit registers reach the forms (which only
	// 64-bit mode has), REX-only registers of other sizes and 64-bit
	// addresses are rejected up front, each with nasm's own message.
	for _, mode := range []int{16, 32} {
		reportDiff(t, "64-bit-operands", compareWithNasm(t, fmt.Sprintf("operands64in%d", mode), mode, []string{
			"push rax", "pop r8", "mov rax, cr0", "jmp rax", "bswap rax", "mov eax, r8d", "add rax, 1",
			"mov rax, rbx", "inc rax", "mov al, r8b", "mov [r8], eax", "mov eax, [rax]", "mov eax, [r8d]",
			"mov eax, [ebx+r9d*2]", "add eax, r9d", "xchg rax, rbx", "cmp r8, 1", "lea rax, [rbx]",
			"call rax", "mov spl, 1", "mov eax, rbx", "mov rax, ebx", "movzx rax, bl", "movzx eax, r8b",
			"shl rax, cl", "imul rax, rbx, 3", "mov r8, [eax]", "push r8d", "cmovz rax, rbx", "setz r8b",
			"mov [eax], rax", "mov qword [eax], 1", "mov dword [rax], 1", "lea eax, [r8]", "mov ax, r8w",
			"mov rax, [eax]", "mov eax, [ebx]",
		}))
	}
}
