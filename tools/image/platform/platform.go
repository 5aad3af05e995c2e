// Package platform parses OCI platform strings (os/arch[/variant]) and derives
// an image's platform from the machine field of an ELF executable.
package platform

import (
	"encoding/binary"
	"fmt"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// The values Go and the OCI image spec use for GOOS and GOARCH.
var knownOS = map[string]bool{
	"aix": true, "android": true, "darwin": true, "dragonfly": true, "freebsd": true,
	"illumos": true, "ios": true, "js": true, "linux": true, "netbsd": true,
	"openbsd": true, "plan9": true, "solaris": true, "wasip1": true, "windows": true,
}

var knownArch = map[string]bool{
	"386": true, "amd64": true, "arm": true, "arm64": true, "loong64": true,
	"mips": true, "mipsle": true, "mips64": true, "mips64le": true, "ppc64": true,
	"ppc64le": true, "riscv64": true, "s390x": true, "wasm": true,
}

// variants lists the variants each architecture may carry (none for others).
var variants = map[string][]string{
	"arm":   {"v5", "v6", "v7", "v8"},
	"arm64": {"v8", "v8.1", "v8.2", "v8.3", "v8.4", "v8.5", "v8.6", "v8.7", "v8.8", "v8.9", "v9", "v9.1", "v9.2", "v9.3", "v9.4", "v9.5"},
	"amd64": {"v1", "v2", "v3", "v4"},
}

// Parse reads "os/arch" or "os/arch/variant". Only lower-case values known to
// the OCI image spec are accepted; anything else is an error, never guessed.
func Parse(s string) (ocispec.Platform, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return ocispec.Platform{}, fmt.Errorf("invalid platform %q: want os/arch[/variant]", s)
	}
	p := ocispec.Platform{OS: parts[0], Architecture: parts[1]}
	if !knownOS[p.OS] {
		return ocispec.Platform{}, fmt.Errorf("invalid platform %q: unknown os %q", s, p.OS)
	}
	if !knownArch[p.Architecture] {
		return ocispec.Platform{}, fmt.Errorf("invalid platform %q: unknown architecture %q", s, p.Architecture)
	}
	if len(parts) == 3 {
		p.Variant = parts[2]
		ok := false
		for _, v := range variants[p.Architecture] {
			ok = ok || v == p.Variant
		}
		if !ok {
			return ocispec.Platform{}, fmt.Errorf("invalid platform %q: unknown variant %q for %s", s, p.Variant, p.Architecture)
		}
	}
	return p, nil
}

// String formats p as os/arch[/variant].
func String(p ocispec.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// ELF machine numbers (e_machine) this package maps.
const (
	em386     = 3
	emARM     = 40
	emX86_64  = 62
	emAArch64 = 183
	emRISCV   = 243
)

// IsELF reports whether data starts with the ELF magic.
func IsELF(data []byte) bool {
	return len(data) >= 4 && string(data[:4]) == "\x7fELF"
}

// FromELF returns the Linux platform of an ELF file from its class, data
// encoding and e_machine.
func FromELF(data []byte) (ocispec.Platform, error) {
	if !IsELF(data) {
		return ocispec.Platform{}, fmt.Errorf("not an ELF file")
	}
	if len(data) < 20 {
		return ocispec.Platform{}, fmt.Errorf("truncated ELF header")
	}
	// x86 is little-endian only, and the kernel picks the loader for it by
	// e_machine alone: compact layouts (tiny link --compact) store program
	// bytes in e_ident's class and data bytes, so those cannot be trusted.
	// Only ELFCLASS32 with EM_X86_64 means something else (x32).
	switch binary.LittleEndian.Uint16(data[18:20]) {
	case em386:
		return ocispec.Platform{OS: "linux", Architecture: "386"}, nil
	case emX86_64:
		if data[4] != 1 {
			return ocispec.Platform{OS: "linux", Architecture: "amd64"}, nil
		}
	}
	var bo binary.ByteOrder
	switch data[5] {
	case 1:
		bo = binary.LittleEndian
	case 2:
		bo = binary.BigEndian
	default:
		return ocispec.Platform{}, fmt.Errorf("ELF data encoding %d unknown", data[5])
	}
	class := data[4]
	machine := bo.Uint16(data[18:20])
	arch := ""
	switch {
	case machine == em386 && class == 1:
		arch = "386"
	case machine == emX86_64 && class == 2:
		arch = "amd64"
	case machine == emAArch64 && class == 2:
		arch = "arm64"
	case machine == emRISCV && class == 2:
		arch = "riscv64"
	case machine == emARM && class == 1:
		return ocispec.Platform{}, fmt.Errorf("32-bit ARM ELF: the variant cannot be derived, pass --platform linux/arm/vN")
	default:
		return ocispec.Platform{}, fmt.Errorf("no platform known for ELF machine %d (class %d), pass --platform", machine, class)
	}
	return ocispec.Platform{OS: "linux", Architecture: arch}, nil
}
