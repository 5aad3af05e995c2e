package tinylang

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bazel-contrib/bazel-gazelle/v2/rule"
	"github.com/bazel-contrib/bazel-gazelle/v2/walk"

	"github.com/rules-tiny/rules_tiny/tools/internal/inputfile"
)

// The files programs need from other directories (issue 14).
//
// A program may %include, %depend on or incbin any file that nasm finds
// through its -I roots, also in a directory that holds no assembly and no
// BUILD file (tools/blob/banner.txt). Bazel only sees such a file if the
// package of that directory exposes it, and Gazelle writes a directory's
// BUILD file only while it visits that directory, in post-order, perhaps
// before it has seen the program. So before the first BUILD file is
// generated, the extension goes once over the repository (through Gazelle's
// own directory cache, which honours exclude directives and .bazelignore),
// finds every program, follows its includes the way Resolve will, and notes
// for each directory the files that programs elsewhere find there on disk.
// GenerateRules then lists those files in the directory's asm_hdrs
// filegroup, and Resolve finds that filegroup in the rule index.
//
// The whole repository is read whatever part of it this run updates, so
// that a directory's filegroup does not depend on which directories were
// named on the command line: running Gazelle on tools/blob alone keeps the
// files that apps/banner needs.

// maxSourceBytes bounds what the extension reads of one source file; a
// larger file is reported and skipped, like a file that is not a regular file.
const maxSourceBytes = 16 << 20

// readSource reads a source file through inputfile, the one owner of that
// check: a FIFO, a device or a huge file named x.asm must not hang or
// exhaust the run. The error names the reason without the path, which the
// caller logs in the repository's terms.
func readSource(name string) ([]byte, error) {
	data, err := inputfile.ReadFile(name, true, maxSourceBytes)
	var pe *fs.PathError
	if errors.As(err, &pe) && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%v; skipped", pe.Err)
	}
	return data, err
}

// neededFiles returns the files of directory rel that programs in other
// directories need, sorted. The first call computes the whole table.
func (l *tinyLang) neededFiles(repoRoot, rel string) []string {
	l.needsOnce.Do(func() { l.needs = l.computeNeeds(repoRoot) })
	var names []string
	for n := range l.needs[rel] {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// program is one program found by the pre-pass, with the configuration of
// its directory.
type program struct {
	pkg   string
	src   string
	tc    *tinyConfig
	files map[string]bool
	// overridden holds the import paths a `# gazelle:resolve tiny` directive
	// maps to a label, seen from this directory: nothing on disk is needed
	// for them.
	overridden map[string]bool
}

// dirFiles lists the regular files of a directory as Gazelle sees them
// (excluded files left out), or nil if Gazelle does not see the directory.
type dirFiles func(rel string) map[string]bool

func (l *tinyLang) computeNeeds(repoRoot string) map[string]map[string]bool {
	listed := map[string]map[string]bool{}
	files := func(rel string) map[string]bool {
		if fs, ok := listed[rel]; ok {
			return fs
		}
		var fs map[string]bool
		if info, err := dirInfo(rel); err == nil {
			fs = map[string]bool{}
			for _, f := range info.RegularFiles {
				fs[f] = true
			}
		}
		listed[rel] = fs
		return fs
	}

	var progs []program
	var visit func(rel string, parent *tinyConfig, parentOverrides map[string]bool)
	visit = func(rel string, parent *tinyConfig, parentOverrides map[string]bool) {
		info, err := dirInfo(rel)
		if err != nil {
			return
		}
		tc := parent.clone()
		applyDirectives(tc, rel, info.File, nil)
		overrides := resolveOverrides(parentOverrides, info.File)
		if tc.enabled {
			fs := files(rel)
			names := append([]string(nil), info.RegularFiles...)
			sort.Strings(names)
			for _, name := range names {
				if !isProgramExt(name) {
					continue
				}
				src := l.scanFile(repoRoot, path.Join(rel, name))
				if src == nil || !src.HasGlobal(programEntry(tc, info.File, name)) {
					continue
				}
				progs = append(progs, program{pkg: rel, src: name, tc: tc, files: fs, overridden: overrides})
			}
		}
		subdirs := append([]string(nil), info.Subdirs...)
		sort.Strings(subdirs)
		for _, sub := range subdirs {
			visit(path.Join(rel, sub), tc, overrides)
		}
	}
	visit("", &tinyConfig{enabled: true, entry: defaultEntry}, nil)

	needs := map[string]map[string]bool{}
	for _, p := range progs {
		for _, f := range l.programNeeds(repoRoot, p, files) {
			dir, base := path.Split(f)
			dir = strings.TrimSuffix(dir, "/")
			if needs[dir] == nil {
				needs[dir] = map[string]bool{}
			}
			needs[dir][base] = true
		}
	}
	return needs
}

// programNeeds follows a program's %include, %depend and incbin paths,
// transitively, in Resolve's search order, and returns the
// repository-relative files it finds on disk outside the program's own
// package.
func (l *tinyLang) programNeeds(repoRoot string, p program, files dirFiles) []string {
	type pending struct {
		name    string
		fromDir string
		data    bool
	}
	var queue []pending
	push := func(info *SourceInfo, file string) {
		for _, inc := range info.Includes {
			queue = append(queue, pending{inc, path.Dir(file), false})
		}
		for _, bin := range info.Incbins {
			queue = append(queue, pending{bin, path.Dir(file), true})
		}
	}
	start := path.Join(p.pkg, p.src)
	done := map[string]bool{start: true}
	if info := l.scanFile(repoRoot, start); info != nil {
		push(info, start)
	}
	search := append([]string{p.pkg}, p.tc.includeRoots...)
	var out []string
	for len(queue) > 0 {
		q := queue[0]
		queue = queue[1:]
		if path.IsAbs(q.name) {
			continue
		}
		dirs := search
		if q.fromDir != p.pkg && q.fromDir != "." {
			dirs = append(append([]string(nil), search...), q.fromDir)
		}
		for _, d := range dirs {
			cand := path.Clean(path.Join(d, q.name))
			if cand == ".." || strings.HasPrefix(cand, "../") {
				continue
			}
			if done[cand] {
				break
			}
			if p.overridden[cand] {
				done[cand] = true
				break
			}
			dir := path.Dir(cand)
			if dir == "." {
				dir = ""
			}
			if !files(dir)[path.Base(cand)] {
				continue
			}
			done[cand] = true
			if dir != p.pkg {
				out = append(out, cand)
			}
			if !q.data {
				if info := l.scanFile(repoRoot, cand); info != nil {
					push(info, cand)
				}
			}
			break
		}
	}
	return out
}

// dirInfo is Gazelle's cached listing of a directory, with its exclude
// directives and .bazelignore applied (TestExcludedProgramsNeedNothing).
func dirInfo(rel string) (walk.DirInfo, error) {
	return walk.GetDirInfo(rel)
}

// programEntry is the symbol that makes name a program: the entry of an
// existing asm_binary that lists it, else the directory's tiny_entry.
func programEntry(tc *tinyConfig, f *rule.File, name string) string {
	if f != nil {
		for _, r := range f.Rules {
			if r.Kind() != kindBinary || r.AttrString("entry") == "" {
				continue
			}
			for _, s := range r.AttrStrings("srcs") {
				if s == name {
					return r.AttrString("entry")
				}
			}
		}
	}
	return tc.entry
}

// resolveOverrides adds the import paths that a BUILD file's
// `# gazelle:resolve tiny [tiny] PATH LABEL` directives map, to those
// inherited from the parent directory.
func resolveOverrides(parent map[string]bool, f *rule.File) map[string]bool {
	if f == nil {
		return parent
	}
	var out map[string]bool
	for _, d := range f.Directives {
		if d.Key != "resolve" {
			continue
		}
		fields := strings.Fields(d.Value)
		var imp string
		switch {
		case len(fields) == 3 && fields[0] == languageName:
			imp = fields[1]
		case len(fields) == 4 && fields[0] == languageName && fields[1] == languageName:
			imp = fields[2]
		default:
			continue
		}
		if out == nil {
			out = map[string]bool{}
			for k := range parent {
				out[k] = true
			}
		}
		out[imp] = true
	}
	if out == nil {
		return parent
	}
	return out
}

// repoPath is the absolute file name of a repository-relative path.
func repoPath(repoRoot, rel string) string {
	return filepath.Join(repoRoot, filepath.FromSlash(rel))
}
