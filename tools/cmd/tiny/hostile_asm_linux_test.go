//go:build linux

package main

// The assembler side of the hostile-input suite (hostile_linux_test.go
// runs it), through the CLI: what reaches tools/asm's own suite
// (tools/asm/hostile_test.go, the bombs and every limit) must also be
// refused or bounded by `tiny asm` and `tiny build` as shipped, with
// --limit-* and -g passed through.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// asmHostileCases are the cases for tiny asm and tiny build on sources.
func asmHostileCases() []hostileCase {
	// src writes the named files and returns args.
	src := func(files map[string]string, args ...string) func(t *testing.T, dir string) []string {
		return func(t *testing.T, dir string) []string {
			t.Helper()
			for name, body := range files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			return args
		}
	}
	// fanOut: m1 calls m2 1000 times, m2 calls m3 n times: 1000n
	// expansions from one line, none recursive.
	fanOut := func(n int) string {
		return "%macro m3 0\nnop\n%endmacro\n" +
			"%macro m2 0\n" + strings.Repeat("m3\n", n) + "%endmacro\n" +
			"%macro m1 0\n" + strings.Repeat("m2\n", 1000) + "%endmacro\n" +
			"BITS 64\nglobal _start\n_start:\nm1\nmov eax, 60\nsyscall\n"
	}
	return []hostileCase{
		{
			name: "asm source is a FIFO",
			setup: func(t *testing.T, dir string) []string {
				mkfifo(t, filepath.Join(dir, "f.asm"))
				return []string{"asm", "-f", "elf64", "f.asm"}
			},
			want: "f.asm: error: unable to open input file `f.asm': is not a regular file (a FIFO)",
		},
		{
			name:  "asm %include of /dev/zero",
			setup: src(map[string]string{"t.asm": "%include \"/dev/zero\"\n"}, "asm", "-f", "elf64", "t.asm"),
			want:  "t.asm:1: error: unable to open include file `/dev/zero': is not a regular file (a character device)",
		},
		{
			name: "asm incbin of a FIFO",
			setup: func(t *testing.T, dir string) []string {
				mkfifo(t, filepath.Join(dir, "f.bin"))
				return src(map[string]string{"t.asm": "incbin \"f.bin\"\n"}, "asm", "t.asm")(t, dir)
			},
			want: "t.asm:1: error: `incbin': unable to open file `f.bin': is not a regular file (a FIFO)",
		},
		{
			name: "asm incbin of 16 bytes of a sparse 4 GiB file",
			setup: func(t *testing.T, dir string) []string {
				sparse(t, filepath.Join(dir, "big.bin"), 4<<30)
				return src(map[string]string{"t.asm": "incbin 'big.bin', 3 << 30, 16\n"}, "asm", "-o", "t.bin", "t.asm")(t, dir)
			},
			outputs: []string{"t.bin"},
			check: func(t *testing.T, dir string) {
				if fi, err := os.Stat(filepath.Join(dir, "t.bin")); err != nil || fi.Size() != 16 {
					t.Errorf("t.bin: %v, %v; want 16 bytes", fi, err)
				}
			},
		},
		{
			// nasm itself never ends on this one.
			name:  "asm nested %rep of %assign, bounded by --limit-tokens",
			setup: src(map[string]string{"t.asm": "%assign x 0\n%rep 1000000\n%rep 1000000\n%assign x x+1\n%endrep\n%endrep\n"}, "asm", "--limit-tokens", "2000000", "t.asm"),
			want:  "(--limit-tokens)",
		},
		{
			name:  "build -g of a million macro expansions from one line, bounded by --limit-mmacros",
			setup: src(map[string]string{"t.asm": fanOut(1000)}, "build", "-g", "--limit-mmacros=10000", "-o", "t", "t.asm"),
			want:  "(--limit-mmacros)",
		},
		{
			name:    "build -g of half a million macro expansions from one line",
			setup:   src(map[string]string{"t.asm": fanOut(500)}, "build", "-g", "--limit-mmacros", "unlimited", "-o", "t", "--debug-file", "t.debug", "t.asm"),
			outputs: []string{"t", "t.debug"},
			timeout: 2 * time.Minute,
			big:     true,
		},
		{
			name:  "asm times giving 128 MiB, bounded by --limit-output",
			setup: src(map[string]string{"t.asm": "times 16777216 dq 1\n"}, "asm", "-o", "t.bin", "t.asm"),
			want:  "t.asm:1: error: section `.text' exceeds the output limit of 67108864 bytes (--limit-output)",
		},
	}
}
