package nasmcmd

import (
	"fmt"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm"
	"github.com/rules-tiny/rules_tiny/tools/x86"
)

// UsageError lists what is wrong with a command line: every message
// nasm would give, in order (nasm goes on after most of them).
type UsageError struct{ Msgs []string }

func (e *UsageError) Error() string { return strings.Join(e.Msgs, "\n") }

// Parse reads a command line as nasm 2.16 does. env is $NASMENV, whose
// options come first (a leading character other than `-` is the
// separator, a space otherwise); readFile reads `-@ FILE` response files.
// `@FILE` is not nasm's here: the tiny command expands it first, as the
// flagfile Bazel writes (one argument a line).
func Parse(args []string, env string, readFile func(string) ([]byte, error)) (*Command, error) {
	p := &parser{c: &Command{Format: "bin", Warnings: NewWarnings(), Limits: asm.DefaultLimits()}, readFile: readFile}
	if env != "" {
		p.words(env)
	}
	for i := 0; i < len(args) && !p.done(); i++ {
		a := args[i]
		var next *string
		if i+1 < len(args) {
			next = &args[i+1]
		}
		if !p.stop && strings.HasPrefix(a, "-@") {
			name, adv := p.param(a, next)
			if adv {
				i++
			}
			if name != "" {
				p.responseLines(name)
			}
			continue
		}
		if p.arg(a, next) {
			i++
		}
	}
	return p.finish()
}

type parser struct {
	c        *Command
	readFile func(string) ([]byte, error)
	errs     []string
	fatal    bool // an error nasm stops at
	stop     bool // after `--`: everything is a file name
	end      bool // -h, -v, -y: nothing more is read

	preprocess, dependOnly, dependToo bool
	outputSet, listingSet, errFileSet bool
	quoteTarget                       string // -MQ's target, quoted at the end (-MW may come later)
	mangleSet                         [4]bool
}

func (p *parser) done() bool { return p.fatal || p.end }

func (p *parser) errorf(format string, args ...any) {
	p.errs = append(p.errs, fmt.Sprintf(format, args...))
}

func (p *parser) fatalf(format string, args ...any) {
	p.errorf(format, args...)
	p.fatal = true
}

// param is the value of a single-letter option: the rest of the argument
// (blanks skipped), or else the next argument if there is one and it is
// not empty. It reports whether the next argument was used.
func (p *parser) param(a string, next *string) (string, bool) {
	if len(a) > 2 {
		return strings.TrimLeft(a[2:], " \t"), false
	}
	if next != nil && *next != "" {
		return *next, true
	}
	p.errorf("option `-%c' requires an argument", a[1])
	return "", false
}

// valueOptions are the single-letter options that take a value.
const valueOptions = "oOfpPdDiIlLFXuUZwW"

// arg handles one argument; next is the one after it, if any. It
// reports whether next was used as this option's value.
func (p *parser) arg(a string, next *string) bool {
	if a == "" {
		return false
	}
	if a[0] != '-' || p.stop {
		if p.c.Input != "" {
			p.fatalf("more than one input file specified: %s", a)
			return false
		}
		p.c.Input = a
		return false
	}
	if len(a) == 1 {
		p.errorf("unrecognised option `-'")
		return false
	}
	letter := a[1]
	if strings.IndexByte(valueOptions, letter) >= 0 {
		val, adv := p.param(a, next)
		if val == "" && !adv && len(a) == 2 {
			return false // the missing value was reported
		}
		if h := short[letter]; h != nil {
			h(p, val)
		}
		return adv
	}
	switch letter {
	case 'M':
		return p.depend(a, next)
	case '-':
		return p.long(a[2:], next)
	}
	if h := flags[letter]; h != nil {
		h(p, a[2:])
		return false
	}
	p.errorf("unrecognised option `-%c'", letter)
	return false
}

// short are the single-letter options with a value, by letter.
var short = map[byte]func(p *parser, val string){
	'o': func(p *parser, v string) { p.fileName(&p.c.Output, &p.outputSet, v, "output") },
	'f': (*parser).format,
	'O': (*parser).optimize,
	'p': (*parser).preInclude, 'P': (*parser).preInclude,
	'd': (*parser).define, 'D': (*parser).define,
	'u': (*parser).undefine, 'U': (*parser).undefine,
	'i': (*parser).includeDir, 'I': (*parser).includeDir,
	'l': func(p *parser, v string) { p.fileName(&p.c.Listing, &p.listingSet, v, "listing") },
	'L': func(p *parser, v string) {
		p.errorf("listing options (-L%s) are not supported: tiny asm's listing has nasm's columns but not its optional extras", v)
	},
	'Z': func(p *parser, v string) { p.fileName(&p.c.ErrFile, &p.errFileSet, v, "error") },
	'F': func(p *parser, v string) { p.c.Debug, p.c.DebugFormat = true, v },
	'X': (*parser).errorFormat,
	'w': (*parser).warning, 'W': (*parser).warning,
}

// flags are the single-letter options without a value; each gets the
// rest of its argument (which nasm ignores but for -g).
var flags = map[byte]func(p *parser, rest string){
	's': func(p *parser, _ string) { p.c.ErrToStdout = true },
	'g': func(p *parser, rest string) {
		p.c.Debug = true
		if rest != "" {
			p.c.DebugFormat = strings.TrimLeft(rest, " \t")
		}
	},
	'h': func(p *parser, _ string) { p.c.Help, p.end = true, true },
	'v': func(p *parser, _ string) { p.c.Version, p.end = true, true },
	'y': func(p *parser, _ string) { p.c.ListDebugFormats, p.end = true, true },
	'e': func(p *parser, _ string) { p.preprocess = true },
	'E': func(p *parser, _ string) { p.preprocess = true },
	't': func(p *parser, _ string) {
		p.errorf("-t (TASM compatibility mode) is not supported")
	},
	'a': func(p *parser, _ string) {
		p.errorf("-a (assemble without the preprocessor) is not supported: tiny asm always preprocesses")
	},
}

// fileName sets a file name nasm allows once.
func (p *parser) fileName(dst *string, set *bool, v, what string) {
	if *set {
		p.fatalf("more than one %s file specified: %s", what, v)
		return
	}
	*dst, *set = v, true
}

// formats are nasm 2.16's output formats that this assembler does not
// write; anything else unknown is not a format at all.
var otherFormats = map[string]bool{
	"ith": true, "srec": true, "aout": true, "aoutb": true, "coff": true, "elfx32": true, "as86": true,
	"obj": true, "win32": true, "win64": true, "ieee": true, "macho32": true, "macho64": true, "dbg": true,
	"macho": true, "win": true,
}

func (p *parser) format(v string) {
	switch f := strings.ToLower(v); f {
	case "bin", "elf32", "elf64":
		p.c.Format, p.c.FormatName = f, ""
	case "elf":
		p.c.Format, p.c.FormatName = "elf32", "elf"
	default:
		if otherFormats[f] {
			p.fatalf("output format `%s' is not supported: tiny asm writes bin, elf32 and elf64", v)
			return
		}
		p.fatalf("unrecognised output format `%s' - use -hf for a list", v)
	}
}

func (p *parser) optimize(v string) {
	opt, verbose, err := ParseOpt(v)
	if err != nil {
		p.fatalf("%v", err)
		return
	}
	p.c.Opt = opt
	p.c.OptVerbose = p.c.OptVerbose || verbose
}

// ParseOpt reads -O's value as nasm does: digits (0 is -O0, 1 is -O1,
// more is -Ox), x, and v or + (report the passes), in any sequence, the
// last level winning; an empty value is -Ox.
func ParseOpt(v string) (opt x86.Opt, verbose bool, err error) {
	opt = x86.OptFull
	for i := 0; i < len(v); {
		c := v[i]
		switch {
		case c >= '0' && c <= '9':
			j := i
			n := 0
			for j < len(v) && v[j] >= '0' && v[j] <= '9' {
				if n < 1000 {
					n = n*10 + int(v[j]-'0')
				}
				j++
			}
			switch n {
			case 0:
				opt = x86.OptNone
			case 1:
				opt = x86.OptMinimal
			default:
				opt = x86.OptFull
			}
			i = j
		case c == 'v' || c == '+':
			verbose = true
			i++
		case c == 'x':
			opt = x86.OptFull
			i++
		default:
			return opt, verbose, fmt.Errorf("unknown optimization option -O%c", c)
		}
	}
	return opt, verbose, nil
}

func (p *parser) preInclude(v string) {
	line, err := IncludeLine(v)
	if err != nil {
		p.errorf("%v", err)
		return
	}
	p.c.Before = append(p.c.Before, line)
}

// IncludeLine is the %include of a pre-included file (-P), quoted so
// that the preprocessor reads the name back as given.
func IncludeLine(name string) (string, error) {
	for _, q := range []string{`"`, `'`} {
		if !strings.Contains(name, q) {
			return "%include " + q + name + q, nil
		}
	}
	return "", fmt.Errorf("cannot pre-include `%s': the name holds both quote characters", name)
}

func (p *parser) define(v string)   { p.c.Before = append(p.c.Before, DefineLine(v)) }
func (p *parser) undefine(v string) { p.c.Before = append(p.c.Before, UndefLine(v)) }

// DefineLine is -D NAME[=VALUE] as nasm runs it: `%define NAME VALUE`
// (the first `=` separates them; NAME may have parameters).
func DefineLine(v string) string { return "%define " + strings.Replace(v, "=", " ", 1) }

// UndefLine is -U NAME: `%undef NAME`.
func UndefLine(v string) string { return "%undef " + v }

// includeDir is -I and -i: nasm keeps each directory once.
func (p *parser) includeDir(v string) {
	for _, d := range p.c.IncludeDirs {
		if d == v {
			return
		}
	}
	p.c.IncludeDirs = append(p.c.IncludeDirs, v)
}

func (p *parser) errorFormat(v string) {
	switch strings.ToLower(v) {
	case "vc", "msvc", "ms":
		p.c.VCErrors = true
	case "gnu", "gcc":
		p.c.VCErrors = false
	default:
		p.fatalf("unrecognized error reporting format `%s'", v)
	}
}

func (p *parser) warning(v string) {
	if !p.c.Warnings.Set(v) && p.c.Warnings.Enabled("unknown-warning") {
		p.c.Notes = append(p.c.Notes, fmt.Sprintf("warning: unknown warning name: %s [-w+unknown-warning]", strings.TrimLeft(v, " \t+-*")))
	}
}

// depend is -M, -MG, -MP, -MD [FILE], -MF FILE, -MT TARGET, -MQ TARGET
// and -MW. Their values are always the next argument (-MD's only if it
// does not look like an option).
func (p *parser) depend(a string, next *string) bool {
	var sub byte
	if len(a) > 2 {
		sub = a[2]
	}
	needsValue := func() (string, bool) {
		if next == nil || *next == "" {
			p.errorf("option `-M%c' requires a parameter", sub)
			return "", false
		}
		return *next, true
	}
	switch sub {
	case 0:
		p.dependOnly = true
	case 'G':
		p.dependOnly, p.c.DepMissingOK = true, true
	case 'P':
		p.c.DepPhony = true
	case 'W':
		p.c.DepWatcomMake = true
	case 'D':
		p.dependToo = true
		if next != nil && *next != "" && ((*next)[0] != '-' || *next == "-") {
			p.c.DepFile = *next
			return true
		}
	case 'F':
		v, ok := needsValue()
		if ok {
			p.c.DepFile = v
		}
		return ok
	case 'T':
		v, ok := needsValue()
		if ok {
			p.c.DepTarget, p.quoteTarget = v, ""
		}
		return ok
	case 'Q':
		v, ok := needsValue()
		if ok {
			p.quoteTarget, p.c.DepTarget = v, ""
		}
		return ok
	default:
		p.errorf("unknown dependency option `-M%c'", sub)
	}
	return false
}

// longArg says how a long option takes its value.
type longArg uint8

const (
	argNo    longArg = iota // none
	argYes                  // --opt=VALUE or --opt VALUE
	argMaybe                // only --opt=VALUE
)

// longOption is one of nasm's long options (and tiny's --debug-comp-dir).
type longOption struct {
	name string // "limit-" matches any option it begins
	arg  longArg
	fn   func(p *parser, opt, val string)
}

// longOptions are matched without regard to case, as nasm does.
var longOptions = []longOption{
	{"v", argNo, func(p *parser, _, _ string) { p.c.Version, p.end = true, true }},
	{"version", argNo, func(p *parser, _, _ string) { p.c.Version, p.end = true, true }},
	{"help", argNo, func(p *parser, _, _ string) { p.c.Help, p.end = true, true }},
	{"abort-on-panic", argNo, func(*parser, string, string) {}}, // tiny asm reports internal errors and exits
	{"prefix", argYes, mangle(0)},
	{"postfix", argYes, mangle(1)},
	{"gprefix", argYes, mangle(0)},
	{"gpostfix", argYes, mangle(1)},
	{"lprefix", argYes, mangle(2)},
	{"lpostfix", argYes, mangle(3)},
	{"include", argYes, func(p *parser, _, v string) { p.preInclude(v) }},
	{"pragma", argYes, func(p *parser, _, v string) { p.c.Before = append(p.c.Before, "%pragma "+v) }},
	{"before", argYes, func(p *parser, _, v string) { p.c.Before = append(p.c.Before, v) }},
	{"limit-", argYes, func(p *parser, opt, v string) {
		if err := p.c.Limits.Set(opt[len("limit-"):], v); err != nil {
			p.errorf("%v", err)
		}
	}},
	{"keep-all", argNo, func(p *parser, _, _ string) {
		p.errorf("--keep-all is not supported: tiny asm never leaves the output of a failed run behind")
	}},
	{"no-line", argNo, func(p *parser, _, _ string) { p.c.NoLine = true }},
	{"debug", argMaybe, func(p *parser, _, _ string) {
		p.errorf("--debug (nasm's own debugging output) is not supported")
	}},
	{"reproducible", argNo, func(*parser, string, string) {}}, // tiny asm's output is always reproducible
	{"debug-comp-dir", argYes, func(p *parser, _, v string) {
		if v == "" {
			p.errorf("--debug-comp-dir needs a directory")
		}
		p.c.DebugCompDir = v
	}},
}

// mangle sets one of the symbol decorations: the first one given stays.
func mangle(which int) func(p *parser, _, v string) {
	return func(p *parser, _, v string) {
		if p.mangleSet[which] {
			return
		}
		p.mangleSet[which] = true
		*[]*string{&p.c.GlobalPrefix, &p.c.GlobalSuffix, &p.c.LocalPrefix, &p.c.LocalSuffix}[which] = v
	}
}

// long handles --NAME[=VALUE] (a is without the dashes).
func (p *parser) long(a string, next *string) bool {
	if a == "" {
		p.stop = true
		return false
	}
	var opt *longOption
	for i := range longOptions {
		o := &longOptions[i]
		n := len(o.name)
		if n > len(a) || !strings.EqualFold(a[:n], o.name) {
			continue
		}
		if strings.HasSuffix(o.name, "-") || n == len(a) || a[n] == '=' {
			opt = o
			break
		}
	}
	if opt == nil {
		p.errorf("unrecognized option `--%s'", a)
		return false
	}
	name, val, hasVal := strings.Cut(a, "=")
	adv := false
	switch opt.arg {
	case argYes:
		if !hasVal {
			if next == nil {
				p.errorf("option `--%s' requires an argument", name)
				return false
			}
			val, adv = *next, true
		}
	case argNo:
		if hasVal {
			p.errorf("option `--%s' does not take an argument", name)
			return false
		}
	}
	opt.fn(p, strings.ToLower(name), val)
	return adv
}

// words reads options from one string (NASMENV):
// separated by blanks, or by the string's first character if that is not
// `-`.
func (p *parser) words(s string) {
	sep := byte(' ')
	if s != "" && s[0] != '-' {
		sep, s = s[0], s[1:]
	}
	var ws []string
	for _, w := range strings.Split(s, string(sep)) {
		if w != "" {
			ws = append(ws, w)
		}
	}
	for i := 0; i < len(ws) && !p.done(); i++ {
		var next *string
		if i+1 < len(ws) {
			next = &ws[i+1]
		}
		if p.arg(ws[i], next) {
			i++
		}
	}
}

// maxResponseFile bounds a response file.
const maxResponseFile = 1 << 20

func (p *parser) readResponse(name string) (string, bool) {
	data, err := p.readFile(name)
	switch {
	case err != nil:
		p.fatalf("unable to open response file `%s': %v", name, err)
		return "", false
	case len(data) > maxResponseFile:
		p.fatalf("response file `%s' is larger than %d bytes", name, maxResponseFile)
		return "", false
	}
	return string(data), true
}

// responseLines is `-@ FILE`: one option or value a line, blanks and line
// ends trimmed; an option may take the next line as its value.
func (p *parser) responseLines(name string) {
	text, ok := p.readResponse(name)
	if !ok {
		return
	}
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if i := strings.IndexAny(l, "\r\n\x1a"); i >= 0 {
			l = l[:i]
		}
		lines = append(lines, strings.TrimSpace(l))
	}
	if len(lines) > 0 && lines[len(lines)-1] == "" && strings.HasSuffix(text, "\n") {
		lines = lines[:len(lines)-1]
	}
	for i := 0; i < len(lines) && !p.done(); i++ {
		var next *string
		if i+1 < len(lines) {
			next = &lines[i+1]
		}
		if p.arg(lines[i], next) {
			i++
		}
	}
}

// finish checks the whole command line and settles what depends on
// several options.
func (p *parser) finish() (*Command, error) {
	c := p.c
	if p.end {
		return c, nil
	}
	if !p.fatal {
		switch {
		case c.Input == "":
			p.errorf("no input file specified")
		case c.Input == c.ErrFile || c.Input == c.Output || c.Input == c.Listing || c.Input == c.DepFile:
			p.errorf("will not overwrite input file")
		}
	}
	c.Mode = ModeAssemble
	if p.preprocess {
		c.Mode = ModePreprocess
	}
	switch {
	case p.dependOnly:
		c.Mode = ModeDepend
	case p.dependToo:
		c.Mode |= ModeDepend
	}
	if p.quoteTarget != "" {
		c.DepTarget = quoteForMake(p.quoteTarget, c.DepWatcomMake)
	}
	if c.Debug && c.DebugFormat != "" && !strings.EqualFold(c.DebugFormat, "dwarf") || c.Debug && c.DebugFormat != "" && c.Format == "bin" {
		if strings.EqualFold(c.DebugFormat, "stabs") && c.Format != "bin" {
			p.errorf("debug format `stabs' is not supported (only dwarf)")
		} else {
			p.errorf("unrecognized debug format `%s' for output format `%s'", c.DebugFormat, c.Format)
		}
	}
	if len(p.errs) > 0 {
		return c, &UsageError{Msgs: p.errs}
	}
	return c, nil
}
