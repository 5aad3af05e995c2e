package asm

import (
	"fmt"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
	"github.com/rules-tiny/rules_tiny/tools/asm/pp"
)

// Limits bound the work of one run, after nasm's --limit-* options: any
// input ends in bounded time and memory, with an error that names the
// limit it hit. The preprocessor's are in the embedded pp.Limits.
type Limits struct {
	pp.Limits
	// Passes is the number of passes (--limit-passes).
	Passes int64
	// StalledPasses is the number of passes in a row in which no fewer
	// labels and sizes changed than in the pass before
	// (--limit-stalled-passes).
	StalledPasses int64
	// Output is the size of the output in bytes: section contents plus
	// relocation entries; reserved (nobits) space does not count
	// (--limit-output).
	Output int64
}

// DefaultLimits are the limits a run has unless told otherwise.
// StalledPasses is nasm's default. Passes is bounded where nasm's is
// unlimited, but high enough for what nasm settles: a chain of jumps,
// each growing only once the one after it has, takes a pass per link
// (nasm needs 76 for 160 such links), and a pass is linear in the
// program.
func DefaultLimits() Limits {
	return Limits{Limits: pp.DefaultLimits(), Passes: 1000, StalledPasses: 1000, Output: 64 << 20}
}

// Unlimited is the value of a limit set to `unlimited`.
const Unlimited = pp.Unlimited

// Other bounds.
const (
	MaxTimes   = 1 << 24 // repetitions of one statement
	MaxBSSSize = 1 << 32 // reserved bytes in one section
)

// limitFields lists each limit's name, as in --limit-NAME, and its field,
// sorted by name. (A table, not a map: a persistent worker registers the
// limit flags for every request.)
var limitFields = [...]struct {
	name  string
	field func(*Limits) *int64
}{
	{"eval", func(l *Limits) *int64 { return &l.Eval }},
	{"lines", func(l *Limits) *int64 { return &l.Lines }},
	{"macro-levels", func(l *Limits) *int64 { return &l.MacroLevels }},
	{"macro-tokens", func(l *Limits) *int64 { return &l.MacroTokens }},
	{"mmacros", func(l *Limits) *int64 { return &l.Mmacros }},
	{"output", func(l *Limits) *int64 { return &l.Output }},
	{"passes", func(l *Limits) *int64 { return &l.Passes }},
	{"rep", func(l *Limits) *int64 { return &l.Rep }},
	{"stalled-passes", func(l *Limits) *int64 { return &l.StalledPasses }},
	{"tokens", func(l *Limits) *int64 { return &l.Tokens }},
}

// field returns the limit called name (any case).
func (l *Limits) field(name string) (*int64, bool) {
	for _, f := range limitFields {
		if strings.EqualFold(f.name, name) {
			return f.field(l), true
		}
	}
	return nil, false
}

// LimitNames lists the limits' names, sorted.
func LimitNames() []string {
	names := make([]string, len(limitFields))
	for i, f := range limitFields {
		names[i] = f.name
	}
	return names
}

// Set sets the limit called name (as in --limit-NAME, any case) to value:
// a non-negative number in any of nasm's forms, or `unlimited`.
func (l *Limits) Set(name, value string) error {
	f, ok := l.field(name)
	if !ok {
		return fmt.Errorf("unknown limit `%s' (known: %s)", name, strings.Join(LimitNames(), ", "))
	}
	if strings.EqualFold(value, "unlimited") {
		*f = pp.Unlimited
		return nil
	}
	v, err := lex.Number(value)
	if err != nil || v < 0 {
		return fmt.Errorf("invalid limit value `%s' for %s: want a number >= 0 or `unlimited'", value, name)
	}
	*f = min(v, pp.Unlimited)
	return nil
}

// Get returns the limit called name.
func (l *Limits) Get(name string) (int64, bool) {
	f, ok := l.field(name)
	if !ok {
		return 0, false
	}
	return *f, true
}
