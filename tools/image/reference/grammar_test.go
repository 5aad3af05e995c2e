package reference

import (
	"regexp"
	"testing"
)

// The hand-written checks must accept exactly what distribution's grammar
// (written here as the regular expressions it publishes) accepts.
var (
	rePathComponent = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$`)
	reDomain        = regexp.MustCompile(`^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$`)
	reTag           = regexp.MustCompile(`^[\w][\w.-]{0,127}$`)
)

var grammarSeeds = []string{
	"", "a", "A", "ab", "a.b", "a..b", "a_b", "a__b", "a___b", "a-b", "a--b", "a-", "-a", ".a", "a.",
	"localhost", "localhost:5000", "127.0.0.1:5000", "a:", ":1", "a-.b", "a.-b", "Ex.COM", "x:y",
	"latest", "v1.0", "_x", ".x", "-x", "a b", "é", "a\x00",
}

func checkGrammar(t *testing.T, s string) {
	if got, want := validPathComponent(s), rePathComponent.MatchString(s); got != want {
		t.Errorf("validPathComponent(%q) = %v, grammar says %v", s, got, want)
	}
	if got, want := validDomain(s), reDomain.MatchString(s); got != want {
		t.Errorf("validDomain(%q) = %v, grammar says %v", s, got, want)
	}
	if got, want := validTag(s), reTag.MatchString(s); got != want {
		t.Errorf("validTag(%q) = %v, grammar says %v", s, got, want)
	}
}

func TestHandWrittenChecksMatchTheGrammar(t *testing.T) {
	for _, s := range grammarSeeds {
		checkGrammar(t, s)
	}
	long := make([]byte, 130)
	for i := range long {
		long[i] = 'a'
	}
	for n := 126; n <= 130; n++ {
		checkGrammar(t, string(long[:n]))
	}
}

func FuzzHandWrittenChecksMatchTheGrammar(f *testing.F) {
	for _, s := range grammarSeeds {
		f.Add(s)
	}
	f.Fuzz(checkGrammar)
}
