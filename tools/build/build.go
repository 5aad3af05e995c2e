// Package build is `tiny build`'s pipeline: it assembles NASM sources,
// reads ELF objects, and links them all into one static executable. The
// CLI parses flags into Options and calls Build; Bazel's persistent worker
// reaches the same code through the CLI.
package build

import (
	"fmt"
	"io"

	"github.com/rules-tiny/rules_tiny/tools/asm"
	"github.com/rules-tiny/rules_tiny/tools/asm/pp"
	"github.com/rules-tiny/rules_tiny/tools/elf"
	"github.com/rules-tiny/rules_tiny/tools/internal/inputfile"
	"github.com/rules-tiny/rules_tiny/tools/link"
	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// Options configure Build.
type Options struct {
	// Arch is the target. ArchNone lets the inputs decide: the first
	// object's machine, or the first source's first BITS directive, else
	// amd64. Once decided, it holds for the inputs that follow.
	Arch obj.Arch
	// Asm is passed to the assembler for every source (include
	// directories, defines, limits). Build sets Format from Arch.
	Asm asm.Options
	// Link is passed to the linker.
	Link link.Options
	// KeepDebug asks for Result.Debug, the executable's separate debug
	// file (link.LinkDebug), with the debugging information of every
	// input that has some. The executable is the same either way.
	KeepDebug bool
}

// Result is what Build produces.
type Result struct {
	Executable []byte
	// Debug is the separate debug file, when Options.KeepDebug is set.
	Debug []byte
	// Warnings are the assembler's, in input order. They are kept when
	// Build fails, for the caller to print before the error.
	Warnings []asm.Diag
}

// ParseArch reads a target name as `tiny build -m` takes it.
func ParseArch(s string) (obj.Arch, error) {
	switch s {
	case "":
		return obj.ArchNone, nil
	case "i386", "386", "x86", "elf32":
		return obj.ArchI386, nil
	case "amd64", "x86_64", "x86-64", "elf64":
		return obj.ArchAMD64, nil
	}
	return obj.ArchNone, fmt.Errorf("unknown -m %q (want i386 or amd64)", s)
}

// formats are the assembler's output formats for each target.
var formats = map[obj.Arch]string{obj.ArchNone: "elf", obj.ArchI386: "elf32", obj.ArchAMD64: "elf64"}

// Build assembles or reads each input, in order, and links the result.
// Inputs must be regular files: an ELF object (by its magic) or NASM
// source (anything else). Assembly errors come back as asm.Errors, in
// nasm's form; other errors name the input.
func Build(inputs []string, opts Options) (*Result, error) {
	res := &Result{}
	arch := opts.Arch
	var files []*obj.File
	var err error
	for _, in := range inputs {
		isObj, source, err := openInput(in, opts.Asm.ReadFile == nil)
		if err != nil {
			return res, err
		}
		var f *obj.File
		if isObj {
			f, err = readObject(in, opts.KeepDebug)
		} else {
			ao := opts.Asm
			ao.Source = source
			f, err = assemble(in, arch, ao, res)
		}
		if err != nil {
			return res, err
		}
		if arch == obj.ArchNone {
			arch = f.Arch
		}
		files = append(files, f)
	}
	if opts.KeepDebug {
		res.Executable, res.Debug, err = link.LinkDebug(files, opts.Link)
	} else {
		res.Executable, err = link.Link(files, opts.Link)
	}
	if err != nil {
		return res, err
	}
	return res, nil
}

// openInput tells objects from sources by the ELF magic, and refuses what
// is not a regular file. With readSource, a source comes back read, from
// the same open file, so the assembler need not open it again (a
// persistent worker's request is short enough for that to show); when it
// cannot be read here, the assembler reads it and reports why, as ever.
func openInput(path string, readSource bool) (isObj bool, source []byte, err error) {
	f, fi, err := inputfile.Open(path, true)
	if err != nil {
		return false, nil, err
	}
	defer f.Close()
	if readSource && fi.Size() <= wholeReadSize {
		// Small enough to read whole and look at: no separate read of the
		// magic and seek back. An object read here is read again by
		// readObject, which is cheap at this size.
		data, err := inputfile.ReadOpened(f, fi, path, pp.MaxSourceSize)
		if err != nil {
			return false, nil, nil // the assembler reads it and says why
		}
		if elf.IsELF(data) {
			return true, nil, nil
		}
		return false, data, nil
	}
	var magic [4]byte
	n, err := io.ReadFull(f, magic[:])
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return false, nil, err
	}
	if elf.IsELF(magic[:n]) {
		return true, nil, nil
	}
	if !readSource {
		return false, nil, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return false, nil, nil
	}
	source, err = inputfile.ReadOpened(f, fi, path, pp.MaxSourceSize)
	if err != nil {
		return false, nil, nil
	}
	return false, source, nil
}

// wholeReadSize is the largest input openInput reads whole before
// looking at its magic.
const wholeReadSize = 1 << 20

func readObject(path string, keepDebug bool) (*obj.File, error) {
	data, _, err := elf.ReadFile(path, elf.Sections)
	if err != nil {
		return nil, err
	}
	if keepDebug {
		return elf.ReadObjectWithDebug(data, path)
	}
	return elf.ReadObject(data, path)
}

// assemble assembles one source for arch (ArchNone: its BITS decides).
func assemble(path string, arch obj.Arch, opts asm.Options, res *Result) (*obj.File, error) {
	opts.Format = formats[arch]
	r, err := asm.Assemble(path, opts)
	if r != nil {
		res.Warnings = append(res.Warnings, r.Warnings...)
	}
	if err != nil {
		return nil, err
	}
	return r.Object, nil
}
