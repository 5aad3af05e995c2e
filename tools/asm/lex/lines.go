package lex

import "strings"

// Splitter yields the logical lines of NASM source text, as nasm reads
// them: physical lines end at '\n' (a '\r' before it is dropped), and a
// line whose last character is a backslash is joined with the next one,
// the backslash removed. A backslash followed by anything, even a blank,
// does not continue the line; nor does one that ends the text without a
// newline (a final backslash-newline joins with nothing, as in nasm).
// The assembler, and every other reader of NASM source, splits lines
// here.
type Splitter struct {
	src  string
	off  int
	line int // physical lines consumed
}

// NewSplitter returns a Splitter over src.
func NewSplitter(src string) *Splitter { return &Splitter{src: src} }

// Next returns the next logical line and the number (from 1) of the
// physical line it starts on; ok is false at the end of the text.
func (s *Splitter) Next() (text string, line int, ok bool) {
	if s.off >= len(s.src) {
		return "", 0, false
	}
	// A logical line is numbered from its first physical line that
	// contributes text.
	var joined strings.Builder
	start := 0
	for {
		l := s.src[s.off:]
		newline := false
		if i := strings.IndexByte(l, '\n'); i >= 0 {
			l = l[:i]
			s.off += i + 1
			newline = true
		} else {
			s.off = len(s.src)
		}
		s.line++
		l = strings.TrimSuffix(l, "\r")
		if strings.HasSuffix(l, "\\") && newline {
			if joined.Len() == 0 {
				start = s.line
			}
			joined.WriteString(l[:len(l)-1])
			if s.off < len(s.src) {
				continue
			}
			// The text ends right after the newline: nasm joins the line
			// with the nothing that follows.
			return joined.String(), start, true
		}
		if joined.Len() == 0 {
			return l, s.line, true
		}
		joined.WriteString(l)
		return joined.String(), start, true
	}
}

// SplitParams splits a macro call's arguments at the commas outside
// braces, as nasm counts them, each part as written (braces kept); no
// arguments give no parts.
func SplitParams(args []Token) [][]Token {
	if len(args) == 0 {
		return nil
	}
	var parts [][]Token
	depth, start := 0, 0
	for i, t := range args {
		switch {
		case t.Is("{"):
			depth++
		case t.Is("}"):
			depth--
		case t.Is(",") && depth == 0:
			parts = append(parts, args[start:i])
			start = i + 1
		}
	}
	return append(parts, args[start:])
}
