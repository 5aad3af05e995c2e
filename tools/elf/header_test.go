package elf_test

import (
	"debug/elf"
	"encoding/binary"
	"strings"
	"testing"

	tinyelf "github.com/rules-tiny/rules_tiny/tools/elf"
)

// hdr is a 64-byte header with the given identification bytes, e_machine
// in byte order bo, and e_phentsize at both classes' places.
func hdr(class, data byte, machine uint16, bo binary.ByteOrder, phent32, phent64 uint16) []byte {
	h := make([]byte, 64)
	copy(h, "\x7fELF")
	h[4], h[5], h[6] = class, data, 1
	bo.PutUint16(h[16:], uint16(elf.ET_EXEC))
	bo.PutUint16(h[18:], machine)
	bo.PutUint16(h[42:], phent32)
	bo.PutUint16(h[54:], phent64)
	return h
}

// The acceptance rules of header.go, one row each.
func TestHeaderAcceptanceRules(t *testing.T) {
	le, be := binary.ByteOrder(binary.LittleEndian), binary.ByteOrder(binary.BigEndian)
	for _, tc := range []struct {
		name  string
		data  []byte
		class elf.Class
		order elf.Data
		err   string
	}{
		{"i386", hdr(1, 1, 3, le, 32, 0), elf.ELFCLASS32, elf.ELFDATA2LSB, ""},
		{"x86-64", hdr(2, 1, 62, le, 0, 56), elf.ELFCLASS64, elf.ELFDATA2LSB, ""},
		// Linux reads x86 files by e_machine; --compact leaves program bytes in EI_CLASS/EI_DATA.
		{"i386 with EI_CLASS 2", hdr(2, 0x90, 3, le, 32, 0), elf.ELFCLASS32, elf.ELFDATA2LSB, ""},
		{"x86-64 with junk class", hdr(0x48, 0x65, 62, le, 0, 56), elf.ELFCLASS64, elf.ELFDATA2LSB, ""},
		{"x86-64 with EI_CLASS 1 and ELF64 e_phentsize", hdr(1, 1, 62, le, 0, 56), elf.ELFCLASS64, elf.ELFDATA2LSB, ""},
		{"x32", hdr(1, 1, 62, le, 32, 0), elf.ELFCLASS32, elf.ELFDATA2LSB, ""},
		{"s390x big-endian", hdr(2, 2, 22, be, 0, 56), elf.ELFCLASS64, elf.ELFDATA2MSB, ""},
		{"arm64", hdr(2, 1, 183, le, 0, 56), elf.ELFCLASS64, elf.ELFDATA2LSB, ""},
		{"other machine, bad class", hdr(9, 1, 40, le, 0, 0), 0, 0, "ELF class 9 unknown"},
		{"other machine, bad encoding", hdr(1, 9, 40, le, 0, 0), 0, 0, "ELF data encoding 9 unknown"},
		{"not ELF", []byte("#!/bin/sh\n"), 0, 0, "not an ELF file"},
		{"19 bytes", hdr(1, 1, 3, le, 32, 0)[:19], 0, 0, "truncated ELF header"},
	} {
		h, err := tinyelf.ReadHeader(tc.data)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err = %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || h.Class != tc.class || h.Data != tc.order || !h.Complete {
			t.Errorf("%s: %+v, %v; want %v %v", tc.name, h, err, tc.class, tc.order)
		}
	}
	// A file may end inside its header: the rest reads as zeros.
	short := hdr(1, 1, 3, binary.LittleEndian, 32, 0)[:45]
	if h, err := tinyelf.ReadHeader(short); err != nil || h.Complete || h.Phnum != 0 {
		t.Errorf("45-byte file: %+v, %v", h, err)
	}
	if _, err := tinyelf.ReadExec(short); err == nil || !strings.Contains(err.Error(), "truncated ELF header") {
		t.Errorf("ReadExec of a 45-byte file: %v", err)
	}
}

// Any input gives an error or headers whose tables lie inside it.
func FuzzReadExec(f *testing.F) {
	f.Add(hdr(1, 1, 3, binary.LittleEndian, 32, 0))
	f.Add(hdr(2, 2, 22, binary.BigEndian, 0, 56))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := tinyelf.ReadHeader(data)
		if err != nil {
			return
		}
		if progs, err := tinyelf.ReadProgs(data, h); err == nil && len(progs) > 0 && h.Phoff+uint64(len(progs))*h.PhdrSize() > uint64(len(data)) {
			t.Fatalf("%d program headers at %#x in %d bytes", len(progs), h.Phoff, len(data))
		}
		if tab, err := tinyelf.SectionTable(data, uint64(len(data)), h); err == nil && tab.Count > 0 && tab.End(h) > uint64(len(data)) {
			t.Fatalf("section table %+v past %d bytes", tab, len(data))
		}
		if secs, _, err := tinyelf.ReadSections(data, h); err == nil && uint64(len(secs))*h.ShdrSize() > uint64(len(data)) {
			t.Fatalf("%d sections in %d bytes", len(secs), len(data))
		}
		tinyelf.ReadExec(data)
	})
}
