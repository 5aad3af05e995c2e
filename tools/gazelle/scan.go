package tinylang

import (
	"bytes"
	"strings"
)

// SourceInfo is what the scanner learns from one NASM-syntax source file.
// It is an over-approximation on purpose: conditional assembly (%if, %ifdef)
// is not evaluated, so an %include inside a disabled block still counts.
// For BUILD file generation that is the safe side: a dependency too many
// costs a rebuild, a dependency too few breaks the sandboxed build.
type SourceInfo struct {
	// Includes are the quoted arguments of %include and %depend, in the order
	// of first appearance, without duplicates.
	Includes []string
	// Incbins are the file names given to incbin, in order, without duplicates.
	// They are data dependencies and are resolved like includes.
	Incbins []string
	// Globals are the symbols named by global directives, in order, without
	// duplicates (case kept: NASM symbols are case-sensitive).
	Globals []string
	// Bits is the operand size of the first BITS/USE16/USE32/USE64 directive
	// (16, 32 or 64), or 0 when the file states none.
	Bits int
}

// HasGlobal reports whether sym is declared global in the file.
func (s *SourceInfo) HasGlobal(sym string) bool {
	for _, g := range s.Globals {
		if g == sym {
			return true
		}
	}
	return false
}

// Scan reads NASM-syntax source text and returns what BUILD generation needs.
// It never fails: lines it does not understand are skipped.
//
// Recognised (directive names case-insensitive, as NASM treats them):
//
//	%include "file" | 'file' | <file>     -> Includes
//	%depend  "file"                       -> Includes
//	[label[:]] incbin "file"[, ...]       -> Incbins
//	global sym[:type ...][, sym ...]      -> Globals (also [global sym])
//	bits 16|32|64, use16, use32, use64    -> Bits (also [bits N]); first one wins
//
// Comments (';' outside string literals) and backslash line continuations
// are handled; macros are not expanded, so a file name or symbol that only
// exists after macro expansion is not seen.
func Scan(src []byte) SourceInfo {
	var info SourceInfo
	seenInc := map[string]bool{}
	seenBin := map[string]bool{}
	seenGlobal := map[string]bool{}
	for _, line := range logicalLines(src) {
		line = strings.TrimSpace(stripComment(line))
		if line == "" {
			continue
		}
		// The bracketed "primitive" forms: [bits 32], [global _start].
		if line[0] == '[' {
			if end := strings.IndexByte(line, ']'); end > 0 {
				line = strings.TrimSpace(line[1:end])
			} else {
				line = strings.TrimSpace(line[1:])
			}
		}
		word, rest := splitWord(line)
		lw := strings.ToLower(word)
		switch lw {
		case "%include", "%depend":
			if name, ok := quotedArg(rest); ok && !seenInc[name] {
				seenInc[name] = true
				info.Includes = append(info.Includes, name)
			}
			continue
		case "global":
			for _, sym := range globalSymbols(rest) {
				if !seenGlobal[sym] {
					seenGlobal[sym] = true
					info.Globals = append(info.Globals, sym)
				}
			}
			continue
		case "bits":
			if info.Bits == 0 {
				n, _ := splitWord(rest)
				switch n {
				case "16":
					info.Bits = 16
				case "32":
					info.Bits = 32
				case "64":
					info.Bits = 64
				}
			}
			continue
		case "use16", "use32", "use64":
			if info.Bits == 0 && rest == "" {
				info.Bits = map[string]int{"use16": 16, "use32": 32, "use64": 64}[lw]
			}
			continue
		}
		// incbin may follow a label: "data: incbin", "data incbin", "data:incbin".
		if lw != "incbin" {
			label, after := word, rest
			if i := strings.IndexByte(word, ':'); i >= 0 {
				label, after = word[:i], strings.TrimSpace(word[i+1:]+" "+rest)
			}
			w2, r2 := splitWord(after)
			if !isLabel(label) || strings.ToLower(w2) != "incbin" {
				continue
			}
			rest = r2
		}
		if name, ok := quotedArg(rest); ok && !seenBin[name] {
			seenBin[name] = true
			info.Incbins = append(info.Incbins, name)
		}
	}
	return info
}

// logicalLines splits src into lines, joining a line that ends in a
// backslash with the next one, as NASM's preprocessor does.
func logicalLines(src []byte) []string {
	var out []string
	var cur strings.Builder
	for len(src) > 0 {
		i := bytes.IndexByte(src, '\n')
		var ln []byte
		if i < 0 {
			ln, src = src, nil
		} else {
			ln, src = src[:i], src[i+1:]
		}
		ln = bytes.TrimRight(ln, "\r")
		if t := bytes.TrimRight(ln, " \t"); len(t) > 0 && t[len(t)-1] == '\\' {
			cur.Write(t[:len(t)-1])
			continue
		}
		cur.Write(ln)
		out = append(out, cur.String())
		cur.Reset()
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// stripComment removes a ';' comment, ignoring semicolons inside '...',
// "..." and `...` literals (backquoted strings take backslash escapes).
func stripComment(line string) string {
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote == '`' && c == '\\':
			i++
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case c == ';':
			return line[:i]
		}
	}
	return line
}

// splitWord returns the first whitespace-delimited word and the trimmed rest.
func splitWord(s string) (string, string) {
	s = strings.TrimLeft(s, " \t")
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i+1:])
}

// quotedArg returns the contents of the string literal or <...> at the start
// of s. Empty names, and names with control characters, are rejected.
func quotedArg(s string) (string, bool) {
	if len(s) < 2 {
		return "", false
	}
	closer := s[0]
	switch closer {
	case '"', '\'', '`':
	case '<':
		closer = '>'
	default:
		return "", false
	}
	end := strings.IndexByte(s[1:], closer)
	if end <= 0 {
		return "", false
	}
	name := s[1 : 1+end]
	for i := 0; i < len(name); i++ {
		if name[i] < 0x20 || name[i] == 0x7f {
			return "", false
		}
	}
	if strings.TrimSpace(name) != name {
		return "", false
	}
	return name, true
}

// globalSymbols parses the operand list of a global directive:
// "sym", "sym:function", "sym:data 4", "a, b". A leading '$' (NASM's escape
// for names that clash with keywords) is dropped.
func globalSymbols(s string) []string {
	var syms []string
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		part = strings.TrimPrefix(part, "$")
		n := 0
		for n < len(part) && isIdentByte(part[n], n == 0) {
			n++
		}
		if n > 0 {
			syms = append(syms, part[:n])
		}
	}
	return syms
}

// isIdentByte follows NASM's identifier rule: letters, digits, '_', '$',
// '#', '@', '~', '.', '?'; the first character may not be a digit, '$',
// '#', '@' or '~'.
func isIdentByte(c byte, first bool) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c == '.', c == '?':
		return true
	case c >= '0' && c <= '9', c == '$', c == '#', c == '@', c == '~':
		return !first
	}
	return false
}

// isLabel reports whether w looks like a label definition ("name" or "name:").
func isLabel(w string) bool {
	w = strings.TrimSuffix(w, ":")
	if w == "" {
		return false
	}
	for i := 0; i < len(w); i++ {
		if !isIdentByte(w[i], i == 0) {
			return false
		}
	}
	return true
}
