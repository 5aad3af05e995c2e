package nasmcmd

import (
	"fmt"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm"
)

// Usage is the one-line synopsis.
const Usage = "usage: tiny asm [-f bin|elf32|elf64] [-o OUT] [-I DIR]... [-D NAME[=VAL]]... [-O0|-O1|-Ox] [options...] SRC.asm"

// help is -h: nasm's options this assembler takes, and the ones it
// refuses.
func help(c *Command) string {
	var b strings.Builder
	b.WriteString(Usage + `
nasm 2.16's command line (options may be joined to their value: -felf64, -Iinc/):

    -o outfile    output file (default: SRC without extension for bin, SRC.o for elf)
    -f format     bin (default), elf32, elf64, elf (elf32 named "elf")
    -g, -F dwarf, -gdwarf   DWARF line information (elf only)
    --debug-comp-dir DIR    the compilation directory -g names (default .)
    -l listfile   listing
    -O0 -O1 -Ox   optimization level as nasm: -O0 keeps immediates full size and jmp near,
                  -O1 also keeps conditional jumps near, -Ox (default, also -O2...) optimizes;
                  -Ov reports the number of passes
    -I dir, -i dir   include directory (a / is added unless it ends with one)
    -D name[=val], -d   define a macro;  -U name, -u   undefine a macro
    -P file, -p file, --include file   pre-include a file
    --before line   a line before the source;  --pragma text   %pragma text before it
    --no-line     ignore %line directives
    -E, -e        preprocess only (to -o file, or the standard output), with %line markers
    -M, -MG, -MD [file], -MF file, -MT target, -MQ target, -MP, -MW   make dependencies
    -w+x, -w-x, -Wx, -Wno-x, -w+error[=x], -Werror[=x]   warnings (classes as nasm's)
    -X gnu|vc     message format;  -s  messages to stdout;  -Z file  messages to a file
    --prefix, --postfix, --gprefix, --gpostfix, --lprefix, --lpostfix str   symbol decorations
    --reproducible, --abort-on-panic   accepted: tiny asm is always reproducible, never aborts
    -@ file, @file, $NASMENV   options from a file or the environment
    -v            version;  -y  debug formats;  -h  this help
    --limit-NAME N|unlimited   limits (nasm's, plus tokens and output):`)
	for _, name := range asm.LimitNames() {
		v, _ := c.Limits.Get(name)
		val := fmt.Sprint(v)
		if v == asm.Unlimited {
			val = "unlimited"
		}
		fmt.Fprintf(&b, " %s=%s", name, val)
	}
	b.WriteString(`

Refused, with a message: -a, -t, -L..., --keep-all, --debug, and output formats other than bin and elf.
Warnings this assembler detects: ` + strings.Join(DetectedWarnings, ", ") + `.
`)
	return b.String()
}
