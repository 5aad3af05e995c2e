package asm

import (
	"fmt"
	"strings"
	"time"

	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
)

// nasm's standard macros: the single-line macros nasm predefines, each
// under both of its names (__NAME__ and __?NAME?__). The version ones say
// nasm 2.16.01, the version whose output this assembler matches.

var nasmVersion = []string{
	"NASM_MAJOR=2", "NASM_MINOR=16", "NASM_SUBMINOR=1", "NASM_PATCHLEVEL=0",
	"NASM_VERSION_ID=002100100h", `NASM_VER="2.16.01"`,
}

// timeMacros are the build-time macros. Their values come only from
// Options.BuildTime, in UTC: the output must not depend on when or where
// (TZ) it is built.
var timeMacros = map[string]func(time.Time) string{
	"DATE":         func(t time.Time) string { return t.Format(`"2006-01-02"`) },
	"TIME":         func(t time.Time) string { return t.Format(`"15:04:05"`) },
	"DATE_NUM":     func(t time.Time) string { return t.Format("20060102") },
	"TIME_NUM":     func(t time.Time) string { return t.Format("150405") },
	"UTC_DATE":     func(t time.Time) string { return t.Format(`"2006-01-02"`) },
	"UTC_TIME":     func(t time.Time) string { return t.Format(`"15:04:05"`) },
	"UTC_DATE_NUM": func(t time.Time) string { return t.Format("20060102") },
	"UTC_TIME_NUM": func(t time.Time) string { return t.Format("150405") },
	"POSIX_TIME":   func(t time.Time) string { return fmt.Sprint(t.Unix()) },
}

// predefines are the standard macros with values known before the
// source is read, as NAME=VALUE.
func (a *assembler) predefines() []string {
	defs := append([]string(nil), nasmVersion...)
	if name := a.outputFormat(); name != "" {
		defs = append(defs, "OUTPUT_FORMAT="+name)
	}
	if t := a.opts.BuildTime; t != nil {
		for name, f := range timeMacros {
			defs = append(defs, name+"="+f(t.UTC()))
		}
	}
	var out []string
	for _, d := range defs {
		name, val, _ := strings.Cut(d, "=")
		out = append(out, "__"+name+"__="+val, "__?"+name+"?__="+val)
	}
	return out
}

// outputFormat is __OUTPUT_FORMAT__: nasm's name of the format asked for
// (`-f elf` is elf32 under the name elf); "" while -f elf's choice waits
// for the first BITS directive.
func (a *assembler) outputFormat() string {
	switch {
	case a.opts.FormatName != "":
		return a.opts.FormatName
	case a.format == "elf":
		return ""
	}
	return a.format
}

// builtin gives the standard macros whose values change as the source is
// read (__BITS__, __SECT__) or are not known yet.
func (a *assembler) builtin(name string) ([]lex.Token, bool, error) {
	base := strings.TrimSuffix(strings.TrimPrefix(name, "__"), "__")
	if strings.HasPrefix(base, "?") && strings.HasSuffix(base, "?") && len(base) > 1 {
		base = base[1 : len(base)-1]
	}
	if a.ppOnly {
		if toks, ok, err := a.ppOnlyBuiltin(base, name); ok {
			return toks, ok, err
		}
	}
	switch {
	case base == "BITS":
		if a.p.mode == 0 {
			return nil, true, fmt.Errorf("`%s' is not known before the first BITS directive when BITS chooses the format (give -m or -f)", name)
		}
		toks, err := lex.Line(fmt.Sprint(a.p.mode))
		return toks, true, err
	case base == "SECT":
		toks, err := lex.Line(a.p.sect)
		return toks, true, err
	case base == "PASS":
		// What nasm's final pass, the one whose output is written, sees.
		return []lex.Token{{Kind: lex.Num, Text: "2", Val: 2}}, true, nil
	case base == "OUTPUT_FORMAT" && a.autoFormat:
		if a.format == "elf" {
			return nil, true, fmt.Errorf("`%s' is not known before the first BITS directive when BITS chooses the format (give -m or -f)", name)
		}
		return []lex.Token{{Kind: lex.Ident, Text: a.format}}, true, nil
	case timeMacros[base] != nil && a.opts.BuildTime == nil:
		return nil, true, fmt.Errorf("`%s' needs the build time: set SOURCE_DATE_EPOCH to seconds since 1970 (an output must not depend on when it is built)", name)
	}
	return nil, false, nil
}
