//go:build !tiny_oci

package main

import (
	"flag"
	"os"
	"strconv"
	"time"

	"github.com/rules-tiny/rules_tiny/tools/asm"
)

// asmLimits holds the --limit-NAME flags that tiny asm and tiny build
// share: nasm's limits with nasm's names, plus tokens and output.
type asmLimits struct{ asm.Limits }

// limitsUsage is the usage line for the limit flags.
const limitsUsage = "[--limit-NAME N|unlimited]..."

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
		fs.Var(limitFlag{l, name}, "limit-"+name, "assembler limit (default "+limitText(v)+"; a number or unlimited)")
	}
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
