package asm

import (
	"fmt"
	"sort"

	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
	"github.com/rules-tiny/rules_tiny/tools/asm/pp"
)

// PreprocessOptions are what Preprocess takes beyond Options.
type PreprocessOptions struct {
	// Emit receives each preprocessed line and the next number for
	// %%labels and contexts; it returns how many of them it used (see
	// pp.Options.EmitNumbered).
	Emit func(l pp.Line, next int) int
	// KeepEmpty, Pragmas (EmitPragmas), Depend, MissingOK and NoSearch
	// are pp.Options'.
	KeepEmpty, Pragmas bool
	// Sect, if set, gives __SECT__ (the last section directive, as the
	// caller keeps it); without it __SECT__ is an error.
	Sect                func() string
	Depend              func(name string)
	MissingOK, NoSearch bool
}

// Preprocess runs only the preprocessor on path, set up as Assemble sets
// it up (the standard macros, Defines, Before, include directories,
// limits), for nasm's -E and -M. No statement is assembled, so, as in
// nasm, __BITS__ is 0 and no equ symbol has a value; __SECT__ is an
// error. It returns every file read and the diagnostics, in order.
func Preprocess(path string, opts Options, po PreprocessOptions) ([]string, []Diag) {
	lim := DefaultLimits()
	if opts.Limits != nil {
		lim = *opts.Limits
	}
	format := opts.Format
	if format == "" {
		format = "bin"
	}
	a := &assembler{opts: opts, lim: lim, format: format, syms: map[string]*symbol{}, ppOnly: true, ppSect: po.Sect}
	a.p = &parser{a: a, sec: -1}
	ppr := pp.Preprocess(path, pp.Options{IncludeDirs: opts.IncludeDirs, Defines: opts.Defines, ReadFile: opts.ReadFile,
		Limits: &lim.Limits, Source: opts.Source, Predefines: a.predefines(), Builtin: a.builtin, FormatMacros: formatMacros(format),
		Before: opts.Before, NoLine: opts.NoLine, EmitNumbered: po.Emit, KeepEmpty: po.KeepEmpty, EmitPragmas: po.Pragmas,
		Depend: po.Depend, MissingOK: po.MissingOK, NoSearch: po.NoSearch})
	diags := append([]Diag(nil), ppr.Diags...)
	sort.SliceStable(diags, func(i, j int) bool { return diags[i].Seq < diags[j].Seq })
	files := ppr.Files
	if len(files) == 0 {
		files = []string{path}
	}
	return files, diags
}

// ppOnlyBuiltin is builtin's answer when only the preprocessor runs.
func (a *assembler) ppOnlyBuiltin(base, name string) ([]lex.Token, bool, error) {
	switch base {
	case "BITS":
		return []lex.Token{{Kind: lex.Num, Text: "0"}}, true, nil
	case "PASS":
		return []lex.Token{{Kind: lex.Num, Text: "3", Val: 3}}, true, nil // nasm's preprocess-only pass
	case "SECT":
		if a.ppSect != nil {
			toks, err := lex.Line(a.ppSect())
			return toks, true, err
		}
		return nil, true, fmt.Errorf("`%s' has no value when the source is only preprocessed", name)
	}
	return nil, false, nil
}

// formatMacros are the output format's directives that nasm defines as
// macros (pp.Options.FormatMacros).
func formatMacros(format string) []string {
	if format == "bin" {
		return []string{"org"}
	}
	return []string{"osabi"}
}
