package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/rules-tiny/rules_tiny/tools/asm"
)

// asmLimits holds the --limit-NAME flags that tiny asm and tiny build
// share: nasm's limits with nasm's names, plus tokens and output.
type asmLimits struct{ asm.Limits }

func newAsmLimits() *asmLimits { return &asmLimits{asm.DefaultLimits()} }

// limitsUsage is the usage line for the limit flags.
const limitsUsage = "[--limit-NAME N|unlimited]..."

// limitsHelp lists the limits and their values.
func (l *asmLimits) help() string {
	var b strings.Builder
	b.WriteString("  limits (--limit-NAME N, --limit-NAME=N or unlimited):")
	for _, name := range asm.LimitNames() {
		v, _ := l.Get(name)
		fmt.Fprintf(&b, " %s=%s", name, limitText(v))
	}
	return b.String()
}

func limitText(v int64) string {
	if v == asm.Unlimited {
		return "unlimited"
	}
	return strconv.FormatInt(v, 10)
}

// register adds one flag per limit to fs (tiny build).
func (l *asmLimits) register(fs *flag.FlagSet) {
	for _, name := range asm.LimitNames() {
		v, _ := l.Get(name)
		fs.Var(limitFlag{l, name}, "limit-"+name, fmt.Sprintf("assembler limit (default %s; a number or unlimited)", limitText(v)))
	}
}

// parseArg reads --limit-NAME VALUE or --limit-NAME=VALUE at args[i]
// (tiny asm's nasm-style parser). It returns how many arguments it used:
// 0 if args[i] is not a limit flag.
func (l *asmLimits) parseArg(args []string, i int) (int, error) {
	name, ok := strings.CutPrefix(args[i], "--limit-")
	if !ok {
		return 0, nil
	}
	if n, v, ok := strings.Cut(name, "="); ok {
		return 1, l.Set(n, v)
	}
	if i+1 >= len(args) {
		return 0, fmt.Errorf("option %s needs a value", args[i])
	}
	return 2, l.Set(name, args[i+1])
}

type limitFlag struct {
	l    *asmLimits
	name string
}

func (f limitFlag) String() string {
	if f.l == nil {
		return ""
	}
	v, _ := f.l.Get(f.name)
	return limitText(v)
}

func (f limitFlag) Set(v string) error { return f.l.Set(f.name, v) }

// buildTime is the time __DATE__, __TIME__ and the like give:
// SOURCE_DATE_EPOCH (seconds since 1970, UTC), the reproducible-builds
// convention. Without it (or with something else in it) there is none,
// and using them is an error that says so. Never the clock.
func buildTime() *time.Time {
	secs, err := strconv.ParseInt(os.Getenv("SOURCE_DATE_EPOCH"), 10, 64)
	if err != nil {
		return nil
	}
	t := time.Unix(secs, 0).UTC()
	return &t
}
