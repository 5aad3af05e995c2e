package nasmcmd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rules-tiny/rules_tiny/tools/asm"
	"github.com/rules-tiny/rules_tiny/tools/asm/pp"
	"github.com/rules-tiny/rules_tiny/tools/elf"
	"github.com/rules-tiny/rules_tiny/tools/internal/atomicfile"
)

// Env is what a run takes from its environment besides the command line.
type Env struct {
	// NASMENV is the variable nasm reads options from, before the
	// command line.
	NASMENV string
	// BuildTime is the value of __DATE__ and the like (nil: using them
	// is an error); the CLI takes it from SOURCE_DATE_EPOCH.
	BuildTime *time.Time
}

// Usage errors exit with 2, assembly errors with 1, as every tiny
// subcommand does (nasm exits 1 for both).
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// Main parses args and runs them; it returns the exit status.
func Main(args []string, env Env, stdout, stderr io.Writer) int {
	c, err := Parse(args, env.NASMENV, asm.ReadFile)
	for _, n := range c.Notes {
		fmt.Fprintf(stderr, "tiny asm: %s\n", n)
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		for _, m := range ue.Msgs {
			fmt.Fprintf(stderr, "tiny asm: error: %s\n", m)
		}
		fmt.Fprintln(stderr, "Type tiny asm -h for help.")
		return exitUsage
	}
	switch {
	case c.Help:
		io.WriteString(stdout, help(c))
		return exitOK
	case c.Version:
		fmt.Fprintln(stdout, Version)
		return exitOK
	case c.ListDebugFormats:
		io.WriteString(stdout, debugFormats)
		return exitOK
	}
	return c.Run(env, stdout, stderr)
}

// Version is what -v prints: nasm's line (scripts read the third word),
// then which assembler this is.
const Version = "NASM version 2.16.01 compatible (tiny asm, rules_tiny)"

const debugFormats = "" +
	"       elf32:     dwarf     ELF32 (i386) dwarf (newer) [default]\n" +
	"       elf64:     dwarf     ELF64 (x86-64) dwarf (newer) [default]\n"

// Run does what the command asks: assemble (writing the output and the
// listing), preprocess only, or list dependencies, or two of these. It
// writes nothing when there is an error.
func (c *Command) Run(env Env, stdout, stderr io.Writer) int {
	m := &messages{vc: c.VCErrors, w: c.Warnings, out: stderr}
	if c.ErrToStdout {
		m.out = stdout
	}
	var errBuf bytes.Buffer
	if c.ErrFile != "" {
		m.out = &errBuf
	}
	code := c.run(env, m, stdout, stderr)
	if c.ErrFile != "" {
		if err := atomicfile.WriteFile(c.ErrFile, errBuf.Bytes(), 0o644); err != nil {
			fmt.Fprintf(stderr, "tiny asm: %v\n", err)
			return exitError
		}
	}
	return code
}

func (c *Command) run(env Env, m *messages, stdout, stderr io.Writer) int {
	if c.Debug && c.Format == "bin" {
		// nasm accepts -g for bin and writes nothing more; so do we, but say so.
		m.tool("warning: -g: the bin format has no debugging information; ignored")
	}
	opts := asm.Options{
		Format: c.Format, FormatName: c.FormatName, IncludeDirs: c.IncludeDirs, Before: c.Before,
		Debug: c.Debug && c.Format != "bin", DebugCompDir: c.DebugCompDir, Listing: c.Listing != "",
		Optimize: c.Opt, NoLine: c.NoLine, BuildTime: env.BuildTime, Limits: &c.Limits,
		GlobalPrefix: c.GlobalPrefix, GlobalSuffix: c.GlobalSuffix, LocalPrefix: c.LocalPrefix, LocalSuffix: c.LocalSuffix,
	}
	// nasm's names: the dependency file from -o before any default, the
	// output's default from the source (no output name for -E alone).
	depFile := c.DepFile
	if depFile == "" && c.Mode&^ModeDepend != 0 {
		if c.Output != "" {
			depFile = c.Output + ".d"
		} else {
			depFile = setExtension(c.Input, ".d")
		}
	}
	out := c.Output
	if out == "" && c.Mode&ModePreprocess == 0 {
		out = DefaultOutput(c.Input, c.Format)
		if out == c.Input {
			out = "nasm.out"
			m.warn(pp.Diag{Pos: pp.Pos{File: c.Input}, Warning: true, Msg: "default output file same as input, using `nasm.out' for output\n"})
		}
	}
	target := c.DepTarget
	if target == "" {
		target = "(null)" // nasm's, when -E writes to the standard output
		if out != "" {
			target = quoteForMake(out, c.DepWatcomMake)
		}
	}
	var deps depList
	ok := true
	switch {
	case c.Mode == ModeDepend:
		ok = c.dependOnly(opts, m, &deps)
	case c.Mode&ModePreprocess != 0:
		ok = c.preprocess(opts, m, out, stdout, &deps)
	default:
		opts.OutputName = out
		ok = c.assemble(opts, m, out, &deps, stdout, stderr)
	}
	if !ok {
		return exitError
	}
	if c.Mode&ModeDepend != 0 {
		text := dependencies(target, deps.names, c.DepPhony, c.DepWatcomMake)
		if depFile == "" || depFile == "-" {
			stdout.Write(text)
		} else if err := atomicfile.WriteFile(depFile, text, 0o644); err != nil {
			m.tool(fmt.Sprintf("error: unable to write dependency file `%s': %v", depFile, err))
			return exitError
		}
	}
	return exitOK
}

// assemble assembles the source and writes the output and the listing.
// For -MD it lists what nasm 2.16 lists when it assembles: the source
// and the incbin files (the includes it has looked for in an earlier
// pass are not listed again).
func (c *Command) assemble(opts asm.Options, m *messages, out string, deps *depList, stdout, stderr io.Writer) bool {
	res, err := asm.Assemble(c.Input, opts)
	m.warns(res.Warnings)
	if c.Listing != "" && res.Listing != nil {
		// Written even on errors, as nasm does: it shows where things went.
		if werr := atomicfile.WriteFile(c.Listing, res.Listing, 0o644); werr != nil {
			m.tool(fmt.Sprintf("error: %v", werr))
			return false
		}
	}
	var errs asm.Errors
	switch {
	case errors.As(err, &errs):
		for _, d := range errs {
			m.error(d)
		}
		return false
	case err != nil:
		m.tool("error: " + err.Error())
		return false
	case m.promoted:
		return false
	}
	if c.OptVerbose {
		m.info(c.Input, fmt.Sprintf("assembly required 1+%d+2 passes\n", nasmPasses(res)))
	}
	var data []byte
	if res.Format == "bin" {
		data = res.Binary
	} else {
		var b bytes.Buffer
		if err := elf.WriteObject(&b, res.Object); err != nil {
			m.error(pp.Diag{Pos: pp.Pos{File: c.Input}, Msg: err.Error()})
			return false
		}
		data = b.Bytes()
	}
	if err := atomicfile.WriteFile(out, data, 0o644); err != nil {
		m.tool(fmt.Sprintf("error: %v", err))
		return false
	}
	switch res.MapTo {
	case "":
	case "stdout":
		stdout.Write(res.Map)
	case "stderr":
		stderr.Write(res.Map)
	default:
		if err := atomicfile.WriteFile(res.MapTo, res.Map, 0o644); err != nil {
			// nasm warns and goes on
			m.warn(pp.Diag{Pos: pp.Pos{File: c.Input}, Warning: true, Msg: fmt.Sprintf("unable to open map file `%s'", res.MapTo)})
		}
	}
	deps.add(c.Input)
	for _, f := range res.Incbins {
		deps.add(f)
	}
	return true
}

// dependOnly is -M and -MG: the source is preprocessed, not assembled,
// and every file it would read is listed, the includes not found too.
func (c *Command) dependOnly(opts asm.Options, m *messages, deps *depList) bool {
	deps.add(c.Input)
	dirs := c.IncludeDirs
	if c.DepMissingOK {
		dirs = nil // nasm 2.16's -MG looks in no include directory
	}
	_, diags := asm.Preprocess(c.Input, opts, asm.PreprocessOptions{
		Depend: deps.add, MissingOK: true, NoSearch: c.DepMissingOK,
		Emit: func(l pp.Line, _ int) int {
			if name, ok := incbinName(l); ok {
				deps.add(pathSearch(name, dirs))
			}
			return 0
		},
	})
	return m.report(diags)
}

// DefaultOutput is nasm's output name: the source's with its extension
// replaced by .o (elf) or removed (bin).
func DefaultOutput(src, format string) string {
	if format == "bin" {
		return setExtension(src, "")
	}
	return setExtension(src, ".o")
}

// setExtension replaces everything from the name's last dot with ext,
// as nasm does (the dot may be in a directory's name: nasm does not look).
func setExtension(name, ext string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[:i] + ext
	}
	return name + ext
}

// nasmPasses is the number of optimization passes -Ov reports: nasm
// makes a first pass, optimization passes until no label moves (at
// least one), then two more; this assembler's passes after the first
// are those optimization passes. nasm's bin format defines its
// section.NAME.start labels in the first optimization pass, which makes
// that pass one that moved labels: there are two at least.
func nasmPasses(res *asm.Result) int {
	n := max(res.Passes-1, 1)
	if res.Format == "bin" {
		n = max(n, 2)
	}
	return n
}
