// Package platform parses OCI platform strings (os/arch[/variant]) and derives
// an image's platform from the machine field of an ELF executable.
package platform

import (
	"debug/elf"
	"fmt"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	tinyelf "github.com/rules-tiny/rules_tiny/tools/elf"
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

// IsELF reports whether data starts with the ELF magic.
func IsELF(data []byte) bool { return tinyelf.IsELF(data) }

// FromELF returns the Linux platform of an ELF file from its class and
// e_machine, read by tools/elf under its acceptance rules: x86 files by
// e_machine alone (compact layouts, tiny link --compact among them, keep
// program bytes in EI_CLASS and EI_DATA), others by EI_CLASS and EI_DATA.
func FromELF(data []byte) (ocispec.Platform, error) {
	h, err := tinyelf.ReadHeader(data)
	if err != nil {
		return ocispec.Platform{}, err
	}
	arch := ""
	switch m, c64 := h.Machine, h.Class == elf.ELFCLASS64; {
	case m == elf.EM_386 && !c64:
		arch = "386"
	case m == elf.EM_X86_64 && c64:
		arch = "amd64"
	case m == elf.EM_AARCH64 && c64:
		arch = "arm64"
	case m == elf.EM_RISCV && c64:
		arch = "riscv64"
	case m == elf.EM_ARM && !c64:
		return ocispec.Platform{}, fmt.Errorf("32-bit ARM ELF: the variant cannot be derived, pass --platform linux/arm/vN")
	default:
		return ocispec.Platform{}, fmt.Errorf("no platform known for ELF machine %d (class %d), pass --platform", uint16(h.Machine), byte(h.Class))
	}
	return ocispec.Platform{OS: "linux", Architecture: arch}, nil
}
