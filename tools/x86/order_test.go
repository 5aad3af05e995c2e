package x86

import "testing"

func TestPrefixOrderMatchesNasm(t *testing.T) {
	lines := handLines(`
rep fs movsb
fs rep movsb
lock add [fs:eax], eax
fs lock add [eax], eax
o16 rep stosd
rep o16 stosd
a16 rep movsb
rep a16 movsb
lock o16 add [eax], eax
repne a16 scasb
es lodsb
lock rep add [eax], eax
rep lock add [eax], eax
fs o16 lodsd
a16 o16 lodsd
o16 a16 lodsd
o32 lodsw
mov ax, [fs:bx+si]
o16 jmp $+100
o16 call $+100
o16 jz $+300
o32 jmp $+300
o16 loop $
`)
	reportDiff(t, "BITS 32 prefix order", compareWithNasm(t, "prefixorder32", 32, lines))
	reportDiff(t, "BITS 16 o32 branches", compareWithNasm(t, "prefixorder16", 16, handLines("o32 jmp $+300\no16 jmp $+100\no32 call $")))
}
