package pp

import (
	"errors"
	"io/fs"
	"os"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
)

// include is %include "file" or %include <file>: the file is looked for
// as named, then in each include directory.
func (p *pp) include(c call) {
	toks, err := p.expand(c.args)
	if err != nil {
		p.lineErr(c.Line, "%s", err)
		return
	}
	var name string
	switch {
	case len(toks) == 1 && toks[0].Kind == lex.Str:
		name = toks[0].Str
	case len(toks) >= 2 && toks[0].Is("<") && toks[len(toks)-1].Is(">"):
		name = lex.Join(toks[1 : len(toks)-1])
	default:
		p.lineErr(c.Line, "`%%include' expects a file name")
		return
	}
	if p.incDepth >= MaxIncludeDepth {
		p.lineErr(c.Line, "include nested too deeply (more than %d levels; recursive %%include?)", MaxIncludeDepth)
		p.fatal = true
		return
	}
	var firstErr error
	dirs := p.opts.IncludeDirs
	if p.opts.NoSearch {
		dirs = nil
	}
	cands := IncludeCandidates(name, dirs)
	if p.opts.Depend != nil && !p.searched[name] {
		// nasm lists a name once, when it first looks for it.
		if p.searched == nil {
			p.searched = map[string]bool{}
		}
		p.searched[name] = true
		found := name
		for _, cand := range cands {
			if _, ok := p.included[cand]; ok || fileExists(cand) {
				found = cand
				break
			}
		}
		p.opts.Depend(found)
	}
	for _, cand := range cands {
		data, again := p.included[cand]
		if !again {
			var err error
			if data, err = p.opts.ReadFile(cand); err != nil {
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			p.included[cand] = data
		}
		p.res.Files = append(p.res.Files, cand)
		p.pushFile(cand, data)
		// A file read again is input multiplied, like a macro body.
		p.top().replay = again
		return
	}
	if p.opts.MissingOK && errors.Is(firstErr, fs.ErrNotExist) {
		return // nasm -M: listed as written, not read
	}
	p.lineErr(c.Line, "unable to open include file `%s': %s", name, ErrorText(firstErr))
}

// IncludeCandidates are the paths nasm 2.16 tries for an %include or an
// incbin, in order: the name itself, then the name in each include
// directory (a `/` added unless the directory ends with one; an absolute
// name is looked for there too, as `dir//name`).
func IncludeCandidates(name string, dirs []string) []string {
	cands := []string{name}
	for _, dir := range dirs {
		if dir == "" {
			continue
		}
		if strings.HasSuffix(dir, "/") {
			cands = append(cands, dir+name)
		} else {
			cands = append(cands, dir+"/"+name)
		}
	}
	return cands
}

// fileExists is nasm's test of a dependency's existence.
func fileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}

// ErrorText is an I/O error as nasm words it (the C library's message).
func ErrorText(err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return "No such file or directory"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
