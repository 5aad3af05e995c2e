package elf

import (
	"debug/elf"
	"fmt"

	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// RelocType is one row of the relocation table: an ELF relocation type of one
// machine and the object-model computation it stands for.
type RelocType struct {
	Arch obj.Arch
	Type uint32
	Name string
	Kind obj.RelocKind
	Size uint8
}

// Relocs is the table of supported relocation types. For writing, the first
// row matching (arch, kind, size) wins, so the canonical type comes first.
var Relocs = []RelocType{
	{obj.ArchI386, 1, "R_386_32", obj.RelocAbs, 4},
	{obj.ArchI386, 2, "R_386_PC32", obj.RelocPCRel, 4},
	{obj.ArchI386, 4, "R_386_PLT32", obj.RelocPLT, 4},
	{obj.ArchI386, 9, "R_386_GOTOFF", obj.RelocGOTOFF, 4},
	{obj.ArchI386, 10, "R_386_GOTPC", obj.RelocGOTPC, 4},
	{obj.ArchI386, 43, "R_386_GOT32X", obj.RelocGOT, 4},
	{obj.ArchI386, 20, "R_386_16", obj.RelocAbs, 2},
	{obj.ArchI386, 21, "R_386_PC16", obj.RelocPCRel, 2},
	{obj.ArchI386, 22, "R_386_8", obj.RelocAbs, 1},
	{obj.ArchI386, 23, "R_386_PC8", obj.RelocPCRel, 1},

	{obj.ArchAMD64, 1, "R_X86_64_64", obj.RelocAbs, 8},
	{obj.ArchAMD64, 2, "R_X86_64_PC32", obj.RelocPCRel, 4},
	{obj.ArchAMD64, 4, "R_X86_64_PLT32", obj.RelocPLT, 4},
	{obj.ArchAMD64, 9, "R_X86_64_GOTPCREL", obj.RelocGOTPCRel, 4},
	{obj.ArchAMD64, 10, "R_X86_64_32", obj.RelocAbs, 4},
	{obj.ArchAMD64, 11, "R_X86_64_32S", obj.RelocAbsSigned, 4},
	{obj.ArchAMD64, 12, "R_X86_64_16", obj.RelocAbs, 2},
	{obj.ArchAMD64, 13, "R_X86_64_PC16", obj.RelocPCRel, 2},
	{obj.ArchAMD64, 14, "R_X86_64_8", obj.RelocAbs, 1},
	{obj.ArchAMD64, 15, "R_X86_64_PC8", obj.RelocPCRel, 1},
	{obj.ArchAMD64, 24, "R_X86_64_PC64", obj.RelocPCRel, 8},
	{obj.ArchAMD64, 41, "R_X86_64_GOTPCRELX", obj.RelocGOTPCRel, 4},
	{obj.ArchAMD64, 42, "R_X86_64_REX_GOTPCRELX", obj.RelocGOTPCRel, 4},
}

// LookupReloc finds the row for an ELF relocation type of arch.
func LookupReloc(arch obj.Arch, typ uint32) (RelocType, bool) {
	for _, r := range Relocs {
		if r.Arch == arch && r.Type == typ {
			return r, true
		}
	}
	return RelocType{}, false
}

// RelocFor finds the ELF type that encodes kind and size on arch.
func RelocFor(arch obj.Arch, kind obj.RelocKind, size uint8) (RelocType, bool) {
	for _, r := range Relocs {
		if r.Arch == arch && r.Kind == kind && r.Size == size {
			return r, true
		}
	}
	return RelocType{}, false
}

// RelocName names an ELF relocation type of arch, supported or not, for
// diagnostics ("R_386_GOT32", or "type 77" when unknown to debug/elf too).
func RelocName(arch obj.Arch, typ uint32) string {
	if r, ok := LookupReloc(arch, typ); ok {
		return r.Name
	}
	var s string
	switch arch {
	case obj.ArchI386:
		s = elf.R_386(typ).String()
	case obj.ArchAMD64:
		s = elf.R_X86_64(typ).String()
	}
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return fmt.Sprintf("relocation type %d", typ)
	}
	return s
}

// KindName describes an object-model relocation for messages when no ELF
// type is at hand (e.g. "32-bit PC-relative").
func KindName(arch obj.Arch, kind obj.RelocKind, size uint8) string {
	if r, ok := RelocFor(arch, kind, size); ok {
		return r.Name
	}
	k := map[obj.RelocKind]string{
		obj.RelocAbs: "absolute", obj.RelocPCRel: "PC-relative", obj.RelocAbsSigned: "signed absolute",
		obj.RelocPLT: "PLT", obj.RelocGOTPCRel: "GOT-PC-relative", obj.RelocGOTPC: "GOT address PC-relative", obj.RelocGOTOFF: "GOT-offset", obj.RelocGOT: "GOT-slot",
	}[kind]
	if k == "" {
		k = fmt.Sprintf("kind %d", kind)
	}
	return fmt.Sprintf("%d-bit %s", int(size)*8, k)
}
