package link

import (
	"testing"

	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// The overflow rules of GNU ld's howto tables, one row per case.
func TestFitsFollowsLdOverflowRules(t *testing.T) {
	neg := func(v int64) uint64 { return uint64(v) }
	for _, c := range []struct {
		arch obj.Arch
		kind obj.RelocKind
		size uint8
		v    uint64
		want bool
	}{
		{obj.ArchAMD64, obj.RelocAbs, 4, 0xffffffff, true},         // R_X86_64_32: unsigned
		{obj.ArchAMD64, obj.RelocAbs, 4, neg(-1), false},           // ... so no negatives
		{obj.ArchAMD64, obj.RelocAbs, 4, 1 << 32, false},           //
		{obj.ArchAMD64, obj.RelocAbsSigned, 4, neg(-1), true},      // R_X86_64_32S: signed
		{obj.ArchAMD64, obj.RelocAbsSigned, 4, 0x80000000, false},  //
		{obj.ArchAMD64, obj.RelocPCRel, 4, neg(-0x80000000), true}, // R_X86_64_PC32
		{obj.ArchAMD64, obj.RelocPCRel, 4, 0x80000000, false},      //
		{obj.ArchAMD64, obj.RelocPLT, 4, neg(-0x80000001), false},  // R_X86_64_PLT32
		{obj.ArchAMD64, obj.RelocAbs, 8, neg(-1), true},            // R_X86_64_64
		{obj.ArchAMD64, obj.RelocAbs, 2, 0xffff, true},             // R_X86_64_16: bitfield
		{obj.ArchAMD64, obj.RelocAbs, 2, neg(-0x8000), true},       //
		{obj.ArchAMD64, obj.RelocAbs, 2, 0x10000, false},           //
		{obj.ArchAMD64, obj.RelocPCRel, 1, 127, true},              // R_X86_64_PC8
		{obj.ArchAMD64, obj.RelocPCRel, 1, 128, false},             //
		{obj.ArchI386, obj.RelocAbs, 4, 0x1ffffffff, true},         // R_386_32 wraps
		{obj.ArchI386, obj.RelocPCRel, 4, neg(-0x90000000), true},  // R_386_PC32 wraps
		{obj.ArchI386, obj.RelocAbs, 1, 0xff, true},                // R_386_8: bitfield
		{obj.ArchI386, obj.RelocAbs, 1, neg(-128), true},           //
		{obj.ArchI386, obj.RelocAbs, 1, neg(-129), false},          //
		{obj.ArchI386, obj.RelocPCRel, 2, 0x8000, false},           // R_386_PC16: signed
	} {
		if got := fits(c.arch, c.kind, c.size, c.v); got != c.want {
			t.Errorf("fits(%v, kind %d, %d bytes, %#x) = %v, want %v", c.arch, c.kind, c.size, c.v, got, c.want)
		}
	}
}
