package main

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm"
	"github.com/rules-tiny/rules_tiny/tools/elf"
	"github.com/rules-tiny/rules_tiny/tools/internal/atomicfile"
)

func init() {
	register("asm", "assemble NASM-syntax source (like nasm -f elf32|elf64|bin)", runAsm)
}

const asmUsage = "usage: tiny asm [-f elf32|elf64|bin] [-g] [-F dwarf] [--debug-comp-dir DIR] [-o OUT] [-I DIR]... [-D NAME[=VAL]]... [-l LISTING] " + limitsUsage + " SRC.asm\n" +
	"  -f defaults to bin (as nasm; -f elf means elf32); -o defaults to SRC without extension (bin) or with .o (elf)\n" +
	"  -g, -F dwarf, -gdwarf: DWARF line information (elf only); --debug-comp-dir: the compilation directory it names (default .)"

// runAsm parses nasm-style flags (both `-f elf64` and `-felf64`); the
// default format is bin, as with nasm.
func runAsm(args []string, stdout, stderr io.Writer) int {
	lim := newAsmLimits()
	opts := asm.Options{Format: "bin", Limits: &lim.Limits}
	var out, src, listing, debugFormat string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if n, err := lim.parseArg(args, i); err != nil {
			fmt.Fprintf(stderr, "tiny asm: %v\n%s\n", err, asmUsage)
			return 2
		} else if n > 0 {
			i += n - 1
			continue
		}
		if a == "--debug-comp-dir" || strings.HasPrefix(a, "--debug-comp-dir=") {
			val, ok := strings.CutPrefix(a, "--debug-comp-dir=")
			if !ok {
				if i+1 >= len(args) {
					fmt.Fprintf(stderr, "tiny asm: option %s needs an argument\n%s\n", a, asmUsage)
					return 2
				}
				i++
				val = args[i]
			}
			if val == "" {
				fmt.Fprintf(stderr, "tiny asm: --debug-comp-dir needs a directory\n%s\n", asmUsage)
				return 2
			}
			opts.DebugCompDir = val
			continue
		}
		if strings.HasPrefix(a, "-g") {
			// nasm: -g asks for the format's default debug format (dwarf
			// for elf32 and elf64); -gFORMAT is -g -F FORMAT.
			opts.Debug = true
			if a != "-g" {
				debugFormat = a[2:]
			}
			continue
		}
		if len(a) >= 2 && a[0] == '-' && strings.IndexByte("foIDlF", a[1]) >= 0 && !strings.HasPrefix(a, "--") {
			val := a[2:]
			if val == "" {
				if i+1 >= len(args) {
					fmt.Fprintf(stderr, "tiny asm: option %s needs an argument\n%s\n", a, asmUsage)
					return 2
				}
				i++
				val = args[i]
			}
			switch a[1] {
			case 'f':
				opts.FormatName = ""
				switch val {
				case "elf":
					val = "elf32" // nasm's `-f elf` is elf32
					opts.FormatName = "elf"
				case "elf32", "elf64", "bin":
				default:
					fmt.Fprintf(stderr, "tiny asm: unrecognised output format `%s'\n%s\n", val, asmUsage)
					return 2
				}
				opts.Format = val
			case 'o':
				out = val
			case 'I':
				opts.IncludeDirs = append(opts.IncludeDirs, val)
			case 'D':
				opts.Defines = append(opts.Defines, val)
			case 'l':
				listing = val
				opts.Listing = true
			case 'F':
				debugFormat = val // -F alone turns debugging information on too, as in nasm
				opts.Debug = true
			}
			continue
		}
		switch {
		case a == "-h" || a == "-help" || a == "--help":
			fmt.Fprintln(stdout, asmUsage)
			fmt.Fprintln(stdout, lim.help())
			return 0
		case a == "--":
			if i+1 < len(args) && src == "" && i+2 == len(args) {
				src = args[i+1]
				i = len(args)
				continue
			}
			fmt.Fprintln(stderr, asmUsage)
			return 2
		case strings.HasPrefix(a, "-") && a != "-":
			fmt.Fprintf(stderr, "tiny asm: unknown option %s\n%s\n", a, asmUsage)
			return 2
		case src != "":
			fmt.Fprintf(stderr, "tiny asm: more than one input file\n%s\n", asmUsage)
			return 2
		default:
			src = a
		}
	}
	if src == "" {
		fmt.Fprintf(stderr, "tiny asm: no input file\n%s\n", asmUsage)
		return 2
	}
	if debugFormat != "" && (debugFormat != "dwarf" || opts.Format == "bin") {
		msg := fmt.Sprintf("unrecognized debug format `%s' for output format `%s'", debugFormat, opts.Format)
		if debugFormat == "stabs" && opts.Format != "bin" {
			msg = "debug format `stabs' is not supported (only dwarf)"
		}
		fmt.Fprintf(stderr, "tiny asm: %s\n%s\n", msg, asmUsage)
		return 2
	}
	if opts.Debug && opts.Format == "bin" {
		// nasm accepts -g for bin and writes nothing more; so do we, but say so.
		fmt.Fprintln(stderr, "tiny asm: warning: -g: the bin format has no debugging information; ignored")
		opts.Debug = false
	}
	if out == "" {
		out = defaultAsmOutput(src, opts.Format)
	}
	opts.BuildTime = buildTime()
	res, err := asm.Assemble(src, opts)
	for _, w := range res.Warnings {
		fmt.Fprintln(stderr, w.String())
	}
	if listing != "" && res.Listing != nil {
		// Written even on errors, as nasm does: it shows where things went.
		if werr := atomicfile.WriteFile(listing, res.Listing, 0o644); werr != nil {
			fmt.Fprintf(stderr, "tiny asm: %v\n", werr)
			return 1
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	var data []byte
	if res.Format == "bin" {
		data = res.Binary
	} else {
		var b bytes.Buffer
		if err := elf.WriteObject(&b, res.Object); err != nil {
			fmt.Fprintf(stderr, "%s: error: %v\n", src, err)
			return 1
		}
		data = b.Bytes()
	}
	if err := atomicfile.WriteFile(out, data, 0o644); err != nil {
		fmt.Fprintf(stderr, "tiny asm: %v\n", err)
		return 1
	}
	return 0
}

// defaultAsmOutput follows nasm: the source name with its extension
// replaced by .o (elf) or removed (bin); nasm.out if that would overwrite
// the source.
func defaultAsmOutput(src, format string) string {
	ext := filepath.Ext(src)
	base := strings.TrimSuffix(src, ext)
	if format != "bin" {
		return base + ".o"
	}
	if base == src {
		return "nasm.out"
	}
	return base
}
