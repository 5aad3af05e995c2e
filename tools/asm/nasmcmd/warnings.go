package nasmcmd

import (
	"maps"
	"sort"
	"strings"
	"sync"

	"github.com/rules-tiny/rules_tiny/tools/asm/pp"
)

// warnClass is one of nasm 2.16's warning classes, as `nasm -h` lists
// them: its name, its default state and what it is about.
type warnClass struct {
	name string
	def  warnState
	doc  string
}

// warnState is a class's state: enabled, and promoted to an error.
type warnState uint8

const (
	warnOn warnState = 1 << iota
	warnErr
)

// warnClasses are nasm 2.16.01's warning classes in its own order.
// The prefix groups `nasm -h` also lists (ea, float, label...) are not
// classes: -w+float acts on every class whose name starts with float-.
var warnClasses = []warnClass{
	{"db-empty", warnOn, "no operand for data declaration"},
	{"ea-absolute", warnOn, "absolute address cannot be RIP-relative"},
	{"ea-dispsize", warnOn, "displacement size ignored on absolute address"},
	{"float-denorm", 0, "floating point denormal"},
	{"float-overflow", warnOn, "floating point overflow"},
	{"float-toolong", warnOn, "too many digits in floating-point number"},
	{"float-underflow", 0, "floating point underflow"},
	{"forward", warnOn, "forward reference may have unpredictable results"},
	{"label-orphan", warnOn, "labels alone on lines without trailing `:'"},
	{"label-redef", 0, "label redefined to an identical value"},
	{"label-redef-late", warnOn | warnErr, "label (re)defined during code generation"},
	{"number-overflow", warnOn, "numeric constant does not fit"},
	{"obsolete-nop", warnOn, "instruction obsolete and is a noop on the target CPU"},
	{"obsolete-removed", warnOn, "instruction obsolete and removed on the target CPU"},
	{"obsolete-valid", warnOn, "instruction obsolete but valid on the target CPU"},
	{"phase", 0, "phase error during stabilization"},
	{"pp-else-elif", warnOn, "%elif after %else"},
	{"pp-else-else", warnOn, "%else after %else"},
	{"pp-empty-braces", warnOn, "empty %{} construct"},
	{"pp-environment", warnOn, "nonexistent environment variable"},
	{"pp-macro-def-case-single", warnOn, "single-line macro defined both case sensitive and insensitive"},
	{"pp-macro-def-greedy-single", warnOn, "single-line macro"},
	{"pp-macro-def-param-single", warnOn | warnErr, "single-line macro defined with and without parameters"},
	{"pp-macro-defaults", warnOn, "macros with more default than optional parameters"},
	{"pp-macro-params-legacy", warnOn, "improperly calling multi-line macro for legacy support"},
	{"pp-macro-params-multi", warnOn, "multi-line macro calls with wrong parameter count"},
	{"pp-macro-params-single", warnOn, "single-line macro calls with wrong parameter count"},
	{"pp-macro-redef-multi", warnOn, "redefining multi-line macro"},
	{"pp-open-braces", warnOn, "unterminated %{...}"},
	{"pp-open-brackets", warnOn, "unterminated %[...]"},
	{"pp-open-string", warnOn, "unterminated string"},
	{"pp-rep-negative", warnOn, "regative %rep count"},
	{"pp-sel-range", warnOn, "%sel() argument out of range"},
	{"pp-trailing", warnOn, "trailing garbage ignored"},
	{"pragma-bad", 0, "malformed %pragma"},
	{"pragma-empty", 0, "empty %pragma directive"},
	{"pragma-na", 0, "%pragma not applicable to this compilation"},
	{"pragma-unknown", 0, "unknown %pragma facility or directive"},
	{"prefix-bnd", warnOn, "invalid BND prefix"},
	{"prefix-hle", warnOn, "invalid HLE prefix"},
	{"prefix-lock", warnOn, "LOCK prefix on unlockable instructions"},
	{"prefix-opsize", warnOn, "invalid operand size prefix"},
	{"prefix-seg", warnOn, "segment prefix ignored in 64-bit mode"},
	{"ptr", warnOn, "non-NASM keyword used in other assemblers"},
	{"regsize", warnOn, "register size specification ignored"},
	{"unknown-warning", 0, "unknown warning in -W/-w or warning directive"},
	{"user", warnOn, "%warning directives"},
	{"warn-stack-empty", warnOn, "warning stack empty"},
	{"zeroing", warnOn, "RESx in initialized section becomes zero"},
	{"zext-reloc", warnOn, "relocation zero-extended to match output format"},
	{"other", warnOn, "any warning not specifically mentioned above"},
}

// warnAliases are the older names nasm still takes for some classes.
var warnAliases = map[string]string{
	"bad-pragma":              "pragma-bad",
	"bnd":                     "prefix-bnd",
	"environment":             "pp-environment",
	"hle":                     "prefix-hle",
	"lock":                    "prefix-lock",
	"macro-def-case-single":   "pp-macro-def-case-single",
	"macro-def-greedy-single": "pp-macro-def-greedy-single",
	"macro-def-param-single":  "pp-macro-def-param-single",
	"macro-defaults":          "pp-macro-defaults",
	"macro-params-legacy":     "pp-macro-params-legacy",
	"macro-params-multi":      "pp-macro-params-multi",
	"macro-params-single":     "pp-macro-params-single",
	"negative-rep":            "pp-rep-negative",
	"not-my-pragma":           "pragma-na",
	"orphan-labels":           "label-orphan",
	"unknown-pragma":          "pragma-unknown",
}

// DetectedWarnings are the classes of the warnings this assembler
// reports; nasm has more (see README.md).
var DetectedWarnings = []string{"db-empty", "float-denorm", "float-overflow", "float-toolong", "float-underflow", "label-orphan", "number-overflow", "other", "pp-else-elif", "pp-else-else", "pp-macro-params-multi", "pp-rep-negative", "pp-trailing", "user", "zeroing"}

// aliasNames is every name -w matches against, sorted as nasm sorts
// them: the classes' names and their aliases.
var aliasNames = func() []string {
	var names []string
	for _, c := range warnClasses {
		names = append(names, c.name)
	}
	for a := range warnAliases {
		names = append(names, a)
	}
	sort.Strings(names)
	return names
}()

// Warnings is the state of every warning class after -w and -W.
type Warnings struct {
	// state is nil until the first Set: the defaults serve until then (a
	// persistent worker makes one Warnings per request).
	state map[string]warnState
}

// defaultStates maps each class to its default state.
var defaultStates = sync.OnceValue(func() map[string]warnState {
	m := make(map[string]warnState, len(warnClasses))
	for _, c := range warnClasses {
		m[c.name] = c.def
	}
	return m
})

// NewWarnings returns the default states.
func NewWarnings() *Warnings { return &Warnings{} }

// of returns the state of class.
func (w *Warnings) of(class string) warnState {
	if w.state == nil {
		return defaultStates()[class]
	}
	return w.state[class]
}

// Set applies one -w or -W argument as nasm does: `+name`, `-name`,
// `*name` (back to the default), `name`, `no-name`, `none`, `error`,
// `error=name`; `all` stands for every class, and a name also stands
// for every class it is a prefix of (`float`, `pp-macro`). It reports
// whether the name was known.
func (w *Warnings) Set(value string) bool {
	value = strings.TrimLeft(value, " \t")
	type action uint8
	const (
		off action = iota
		on
		reset
	)
	act := on
	all := false
	switch {
	case strings.HasPrefix(value, "-"):
		act, value = off, value[1:]
	case strings.HasPrefix(value, "+"):
		act, value = on, value[1:]
	case strings.HasPrefix(value, "*"):
		act, value = reset, value[1:]
	case len(value) >= 3 && strings.EqualFold(value[:3], "no-"):
		act, value = off, value[3:]
	case strings.EqualFold(value, "none"):
		act, all = off, true
	}
	mask := warnOn
	if !all && len(value) >= 5 && strings.EqualFold(value[:5], "error") {
		switch {
		case len(value) == 5:
			mask, all = warnErr, true
		case value[5] == '=':
			mask, value = warnErr, value[6:]
		}
	}
	if !all && strings.EqualFold(value, "all") {
		all = true
	}
	if w.state == nil {
		w.state = maps.Clone(defaultStates())
	}
	ok := false
	for _, name := range aliasNames {
		if !all {
			if len(value) > len(name) || !strings.EqualFold(name[:len(value)], value) {
				continue
			}
			if len(name) > len(value) && name[len(value)] != '-' {
				continue
			}
		}
		ok = true
		class := name
		if c, isAlias := warnAliases[name]; isAlias {
			class = c
		}
		switch act {
		case off:
			w.state[class] &^= mask
		case on:
			w.state[class] |= mask
		case reset:
			w.state[class] = w.state[class]&^mask | w.defaultOf(class)&mask
		}
	}
	return ok
}

func (w *Warnings) defaultOf(class string) warnState {
	for _, c := range warnClasses {
		if c.name == class {
			return c.def
		}
	}
	return 0
}

// Enabled reports whether warnings of class are shown; a warning without
// a class is nasm's `other`.
func (w *Warnings) Enabled(class string) bool {
	return w.of(classOrOther(class))&warnOn != 0
}

// IsError reports whether warnings of class are errors (-w+error=class).
func (w *Warnings) IsError(class string) bool {
	s := w.of(classOrOther(class))
	return s&(warnOn|warnErr) == warnOn|warnErr
}

// Format renders a warning as nasm prints it under the -w options: shown
// is false when its class is off; isError when it is promoted (the run
// then fails).
func (w *Warnings) Format(d pp.Diag) (line string, shown, isError bool) {
	class := d.WarningClass()
	switch {
	case !w.Enabled(class):
		return "", false, false
	case w.IsError(class):
		d.Warning, d.Class = false, ""
		s := d.String()
		head, note, _ := strings.Cut(s, "\n")
		line = head + " [-w+error=" + class + "]"
		if note != "" {
			line += "\n" + note
		}
		return line, true, true
	}
	return d.String(), true, false
}

func classOrOther(class string) string {
	if class == "" {
		return "other"
	}
	return class
}
