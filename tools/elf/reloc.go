package elf

import (
	"debug/elf"
	"fmt"

	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// RelocType is one row of the relocation table: an ELF relocation type of
// one machine (an elf.R_386 or elf.R_X86_64 value) and the object-model
// computation it stands for.
type RelocType struct {
	Arch obj.Arch
	Type uint32
	Kind obj.RelocKind
	Size uint8
}

// Name is the type's name in debug/elf's (and readelf's) spelling.
func (r RelocType) Name() string { return RelocName(r.Arch, r.Type) }

// Relocs is the one table between the object model's relocation kinds and
// the ELF types: the reader looks rows up by (arch, type), the writer by
// (arch, kind, size), and for writing the first matching row wins, so the
// canonical type comes first.
var Relocs = []RelocType{
	{obj.ArchI386, uint32(elf.R_386_32), obj.RelocAbs, 4},
	{obj.ArchI386, uint32(elf.R_386_PC32), obj.RelocPCRel, 4},
	{obj.ArchI386, uint32(elf.R_386_PLT32), obj.RelocPLT, 4},
	{obj.ArchI386, uint32(elf.R_386_GOTOFF), obj.RelocGOTOFF, 4},
	{obj.ArchI386, uint32(elf.R_386_GOTPC), obj.RelocGOTPC, 4},
	{obj.ArchI386, uint32(elf.R_386_GOT32X), obj.RelocGOT, 4},
	{obj.ArchI386, uint32(elf.R_386_GOT32), obj.RelocGOTSlot, 4},
	{obj.ArchI386, uint32(elf.R_386_TLS_IE), obj.RelocTLSIE, 4},
	{obj.ArchI386, uint32(elf.R_386_16), obj.RelocAbs, 2},
	{obj.ArchI386, uint32(elf.R_386_PC16), obj.RelocPCRel, 2},
	{obj.ArchI386, uint32(elf.R_386_8), obj.RelocAbs, 1},
	{obj.ArchI386, uint32(elf.R_386_PC8), obj.RelocPCRel, 1},

	{obj.ArchAMD64, uint32(elf.R_X86_64_64), obj.RelocAbs, 8},
	{obj.ArchAMD64, uint32(elf.R_X86_64_PC32), obj.RelocPCRel, 4},
	{obj.ArchAMD64, uint32(elf.R_X86_64_PLT32), obj.RelocPLT, 4},
	{obj.ArchAMD64, uint32(elf.R_X86_64_GOTPCREL), obj.RelocGOTPCRel, 4},
	{obj.ArchAMD64, uint32(elf.R_X86_64_32), obj.RelocAbs, 4},
	{obj.ArchAMD64, uint32(elf.R_X86_64_32S), obj.RelocAbsSigned, 4},
	{obj.ArchAMD64, uint32(elf.R_X86_64_16), obj.RelocAbs, 2},
	{obj.ArchAMD64, uint32(elf.R_X86_64_PC16), obj.RelocPCRel, 2},
	{obj.ArchAMD64, uint32(elf.R_X86_64_8), obj.RelocAbs, 1},
	{obj.ArchAMD64, uint32(elf.R_X86_64_PC8), obj.RelocPCRel, 1},
	{obj.ArchAMD64, uint32(elf.R_X86_64_PC64), obj.RelocPCRel, 8},
	{obj.ArchAMD64, uint32(elf.R_X86_64_GOTPCRELX), obj.RelocGOTPCRel, 4},
	{obj.ArchAMD64, uint32(elf.R_X86_64_REX_GOTPCRELX), obj.RelocGOTPCRel, 4},
	{obj.ArchAMD64, uint32(elf.R_X86_64_GOTPCREL64), obj.RelocGOTPCRel, 8},
	{obj.ArchAMD64, uint32(elf.R_X86_64_GOTPC32), obj.RelocGOTPC, 4},
	// nasm writes R_X86_64_GOTPC32 for a qword too (`dq x wrt ..gotpc`):
	// the relocation patches 4 of the 8 bytes. Read back, it is the 4-byte row.
	{obj.ArchAMD64, uint32(elf.R_X86_64_GOTPC32), obj.RelocGOTPC, 8},
	{obj.ArchAMD64, uint32(elf.R_X86_64_GOTOFF64), obj.RelocGOTOFF, 8},
	{obj.ArchAMD64, uint32(elf.R_X86_64_GOT32), obj.RelocGOTSlot, 4},
	{obj.ArchAMD64, uint32(elf.R_X86_64_GOT64), obj.RelocGOTSlot, 8},
	{obj.ArchAMD64, uint32(elf.R_X86_64_GOTTPOFF), obj.RelocGOTTPOFF, 4},
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
// diagnostics ("R_386_GOT32", or "relocation type 77" when debug/elf does
// not know it either).
func RelocName(arch obj.Arch, typ uint32) string {
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

// kindNames describe the object model's relocation kinds in messages.
var kindNames = [...]string{
	obj.RelocAbs: "absolute", obj.RelocPCRel: "PC-relative", obj.RelocAbsSigned: "signed absolute",
	obj.RelocPLT: "PLT", obj.RelocGOTPCRel: "GOT-PC-relative", obj.RelocGOTPC: "GOT address PC-relative",
	obj.RelocGOTOFF: "GOT-offset", obj.RelocGOT: "GOT-slot", obj.RelocGOTSlot: "GOT-slot offset",
	obj.RelocTLSIE: "TLS initial-exec GOT-slot", obj.RelocGOTTPOFF: "TLS GOT-slot PC-relative",
}

// KindName describes an object-model relocation for messages: its ELF
// name when arch has one, else e.g. "32-bit PC-relative".
func KindName(arch obj.Arch, kind obj.RelocKind, size uint8) string {
	if r, ok := RelocFor(arch, kind, size); ok {
		return r.Name()
	}
	k := fmt.Sprintf("kind %d", kind)
	if int(kind) < len(kindNames) && kindNames[kind] != "" {
		k = kindNames[kind]
	}
	return fmt.Sprintf("%d-bit %s", int(size)*8, k)
}
