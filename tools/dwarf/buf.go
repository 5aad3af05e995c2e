package dwarf

import (
	"encoding/binary"

	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// buf builds one section's contents, little-endian, together with the
// relocations of its address and offset fields.
type buf struct {
	b      []byte
	relocs []obj.Reloc
}

func (b *buf) u8(v uint8)   { b.b = append(b.b, v) }
func (b *buf) u16(v uint16) { b.b = binary.LittleEndian.AppendUint16(b.b, v) }
func (b *buf) u32(v uint32) { b.b = binary.LittleEndian.AppendUint32(b.b, v) }

// uint writes v in size (4 or 8) bytes.
func (b *buf) uint(v uint64, size int) {
	if size == 8 {
		b.b = binary.LittleEndian.AppendUint64(b.b, v)
		return
	}
	b.u32(uint32(v))
}

// reloc writes a size-byte field that the linker fills with the address
// of section symbol sym plus addend. The field holds zeros here; the
// object writer stores the addend where the ELF flavour wants it.
func (b *buf) reloc(sym int, addend uint64, size int) {
	b.relocs = append(b.relocs, obj.Reloc{Offset: uint64(len(b.b)), Size: uint8(size), Kind: obj.RelocAbs, Symbol: sym, Addend: int64(addend)})
	b.uint(0, size)
}

// uleb writes v as an unsigned LEB128 number: seven bits a byte, low
// first, the high bit set on every byte but the last.
func (b *buf) uleb(v uint64) {
	for v >= 0x80 {
		b.b = append(b.b, byte(v)|0x80)
		v >>= 7
	}
	b.b = append(b.b, byte(v))
}

// sleb writes v as a signed LEB128 number: it ends when the remaining
// bits are all copies of the sign bit already written (bit 6 of the last
// byte).
func (b *buf) sleb(v int64) {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			b.b = append(b.b, c)
			return
		}
		b.b = append(b.b, c|0x80)
	}
}

// cstr writes s and its terminating NUL.
func (b *buf) cstr(s string) {
	b.b = append(append(b.b, s...), 0)
}

// lengthField starts a unit: a 4-byte unit_length patched by endLength
// to the number of bytes that follow it.
func (b *buf) lengthField() int {
	at := len(b.b)
	b.u32(0)
	return at
}

func (b *buf) endLength(at int) {
	binary.LittleEndian.PutUint32(b.b[at:], uint32(len(b.b)-at-4))
}

// section wraps the contents as a non-allocated object section.
func (b *buf) section(name string) *obj.Section {
	return &obj.Section{Name: name, Align: 1, Data: b.b, Size: uint64(len(b.b)), Relocs: b.relocs}
}
