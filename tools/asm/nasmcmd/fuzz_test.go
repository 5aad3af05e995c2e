package nasmcmd

import (
	"errors"
	"strings"
	"testing"
)

// Parse takes any command line without panicking: a command or a usage
// error, never both missing.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"-f elf64 -o x.o x.asm",
		"-O0v -w+error=label -Wno-all -Xvc -s x.asm",
		"-MD -MF d -MT t -MQ q -MP -MW x.asm",
		"--prefix=_ --LIMIT-passes 3 --before %define X -- -x.asm",
		"-E -i inc/ -dX=1 -uY -pP x.asm",
		"-@ rsp x.asm",
		"-",
		"-O9999999999999999999x x.asm",
	} {
		f.Add(s, "|-DZ")
	}
	f.Fuzz(func(t *testing.T, line, env string) {
		args := strings.Split(line, " ")
		c, err := Parse(args, env, func(string) ([]byte, error) { return []byte("-Ox\n-DQ\n"), nil })
		var ue *UsageError
		if c == nil || err != nil && !errors.As(err, &ue) {
			t.Fatalf("%q: command %v, error %v", line, c, err)
		}
	})
}
