//go:build !tiny_oci

package main

import (
	"io"
	"os"

	"github.com/rules-tiny/rules_tiny/tools/asm/nasmcmd"
)

func init() {
	register("asm", "assemble NASM-syntax source with nasm's command line (-f elf32|elf64|bin, -O, -M, -E, ...)", runAsm)
}

// runAsm is nasm's command line (package nasmcmd); $NASMENV is read as
// nasm reads it, SOURCE_DATE_EPOCH gives __DATE__ and the like.
func runAsm(args []string, stdout, stderr io.Writer) int {
	return nasmcmd.Main(args, nasmcmd.Env{NASMENV: os.Getenv("NASMENV"), BuildTime: buildTime()}, stdout, stderr)
}
