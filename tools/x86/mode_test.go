package x86

import "testing"

// A form whose operands match but which the mode lacks (`push esi`, `pop ds`
// in BITS 64) gets nasm's "instruction not supported in 64-bit mode", not
// the generic "invalid combination"; forms the mode has still encode.
func TestModeOnlyFormsErrorLikeNasm(t *testing.T) {
	needNasm(t)
	lines := []string{
		"pop esi", "push esi", "push eax", "pop r8d", "push ds", "pop ds", "push cs",
		"push es", "pop es", "push ss", "pop ss", "push dword [rax]", "pop dword [eax]",
		"jmp dword [rax]", "call dword [rax]", "jmp eax", "call r9d", "mov eax, cr0",
		"push fs", "pop gs", "push rax", "pop r8", "inc eax", "push word 5", "push 5",
		"push ax", "pop word [rax]", "jmp rax", "call qword [rax]",
		"pusha", "popad", "into", "jcxz $",
	}
	reportDiff(t, "64-bit-only-forms", compareWithNasm(t, 64, lines))
	reportDiff(t, "32-bit-forms", compareWithNasm(t, 32, []string{
		"pop esi", "push ds", "pop es", "jmp eax", "push dword [eax]", "cdqe", "jrcxz $", "iretq",
	}))
}
