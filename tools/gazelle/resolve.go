package tinylang

import (
	"log"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/bazel-contrib/bazel-gazelle/v2/config"
	"github.com/bazel-contrib/bazel-gazelle/v2/label"
	"github.com/bazel-contrib/bazel-gazelle/v2/resolve"
	"github.com/bazel-contrib/bazel-gazelle/v2/rule"
	"github.com/bazelbuild/bazel-gazelle/repo"
	resolvev1 "github.com/bazelbuild/bazel-gazelle/resolve"
)

// Imports indexes the include filegroup of a package: each of its files is
// importable under its repository-relative path, which is what an %include
// (or incbin) resolves to. Nothing else this extension generates is
// importable.
func (*tinyLang) Imports(c *config.Config, r *rule.Rule, f *rule.File) []resolve.ImportSpec {
	if r.Kind() != kindGroup || r.Name() != hdrsName {
		return nil
	}
	var specs []resolve.ImportSpec
	for _, s := range r.AttrStrings("srcs") {
		if strings.ContainsAny(s, ":") || strings.HasPrefix(s, "//") {
			continue
		}
		specs = append(specs, resolve.ImportSpec{Lang: languageName, Imp: path.Join(f.Pkg, s)})
	}
	return specs
}

func (*tinyLang) Embeds(r *rule.Rule, from label.Label) []label.Label { return nil }

// Resolve sets hdrs and includes of an asm_binary. Each %include (and
// %depend, incbin) path of the program and, transitively, of what it
// includes, is looked up in this order of directories, as nasm's search
// does with -I:
//
//  1. the program's own package directory,
//  2. each tiny_include_root, in the order the directives gave them,
//  3. for a file included by another include file, that file's directory
//     (a convenience nasm does not have; the directory is then added to
//     includes so the build finds it too).
//
// In each directory the candidate is first a "# gazelle:resolve tiny tiny
// PATH LABEL" override, then a file of the program's own package (listed in
// hdrs by name), then a file indexed from another package's asm_hdrs
// filegroup (that filegroup's label goes in hdrs). Directories other than
// the package's own that were needed go in includes, repository-relative.
//
// The index parameter has the v1 type because the v1 Language interface,
// which Gazelle 0.54's drivers call, names it; only its v2 method is used.
//
//lint:ignore SA1019 the v1 Language interface (gazelle_binary, update.Run) spells this type
func (l *tinyLang) Resolve(c *config.Config, ix *resolvev1.RuleIndex, rc *repo.RemoteCache, r *rule.Rule, imports interface{}, from label.Label) {
	bi, ok := imports.(*binImports)
	if !ok || r.Kind() != kindBinary {
		return
	}
	tc := getConfig(c)
	search := append([]string{bi.pkg}, tc.includeRoots...)

	type pending struct {
		name    string
		fromDir string // directory of the including file
		data    bool   // incbin: any file, not scanned
		where   string // for messages
	}
	var queue []pending
	push := func(info *SourceInfo, file string) {
		for _, inc := range info.Includes {
			queue = append(queue, pending{inc, path.Dir(file), false, file})
		}
		for _, bin := range info.Incbins {
			queue = append(queue, pending{bin, path.Dir(file), true, file})
		}
	}
	done := map[string]bool{}
	for _, s := range bi.srcs {
		rel := path.Join(bi.pkg, s)
		done[rel] = true
		if info := l.scanFile(c.RepoRoot, rel); info != nil {
			push(info, rel)
		}
	}

	hdrs := map[string]bool{}
	needed := map[string]bool{}
	var extraDirs []string // includers' directories, in the order first needed
	needDir := func(d string) {
		if d == bi.pkg || needed[d] {
			return
		}
		needed[d] = true
		isRoot := false
		for _, r := range tc.includeRoots {
			isRoot = isRoot || r == d
		}
		if !isRoot {
			extraDirs = append(extraDirs, d)
		}
	}

	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if path.IsAbs(p.name) {
			log.Printf("%s: %s %q: absolute paths are not resolved", p.where, directiveWord(p.data), p.name)
			continue
		}
		dirs := search
		if p.fromDir != bi.pkg {
			dirs = append(append([]string(nil), search...), p.fromDir)
		}
		found := false
		for _, d := range dirs {
			cand := path.Clean(path.Join(d, p.name))
			if cand == ".." || strings.HasPrefix(cand, "../") {
				continue
			}
			if done[cand] {
				needDir(d)
				found = true
				break
			}
			spec := resolve.ImportSpec{Lang: languageName, Imp: cand}
			if lbl, ok := resolve.FindRuleWithOverride(c, spec, languageName); ok {
				hdrs[lbl.Rel(from.Repo, from.Pkg).String()] = true
			} else if path.Dir(cand) == bi.pkg && bi.files[path.Base(cand)] {
				hdrs[path.Base(cand)] = true
			} else if lbl, ok := findProvider(c, ix, spec, from); ok {
				hdrs[lbl.Rel(from.Repo, from.Pkg).String()] = true
			} else {
				continue
			}
			done[cand] = true
			needDir(d)
			found = true
			if !p.data {
				if info := l.scanFile(c.RepoRoot, cand); info != nil {
					push(info, cand)
				}
			}
			break
		}
		if !found {
			if where := onDisk(c.RepoRoot, dirs, p.name); where != "" {
				log.Printf("%s: %s %q: %s exists, but no rule exposes it to Bazel; run Gazelle over %s too (or over the whole repository) so that it gets an %s filegroup",
					p.where, directiveWord(p.data), p.name, where, path.Dir(where), hdrsName)
				continue
			}
			log.Printf("%s: %s %q: not found in %s; add the file, a tiny_include_root directive, or a '# gazelle:resolve tiny tiny %s //label' directive",
				p.where, directiveWord(p.data), p.name, describeDirs(dirs), p.name)
		}
	}

	if len(hdrs) > 0 {
		list := make([]string, 0, len(hdrs))
		for h := range hdrs {
			list = append(list, h)
		}
		sort.Strings(list)
		r.SetAttr("hdrs", list)
	}
	// includes follow the search order used above (roots as the directives
	// list them, then includers' directories), since the assembler takes
	// the first match.
	var includes []string
	for _, r := range tc.includeRoots {
		if needed[r] {
			includes = append(includes, r)
		}
	}
	includes = append(includes, extraDirs...)
	if len(includes) > 0 {
		for i, d := range includes {
			if d == "" {
				includes[i] = "." // the repository root
			}
		}
		// Search order matters to the assembler: keep it.
		r.SetAttr("includes", rule.UnsortedStrings(includes))
	}
}

// ruleFinder is the part of Gazelle's rule index that Resolve uses.
type ruleFinder interface {
	FindRulesByImportWithConfig(c *config.Config, imp resolve.ImportSpec, lang string) []resolve.FindResult
}

// findProvider looks an include path up in the rule index. Several
// providers are possible only if BUILD files were edited by hand; the first
// label in sort order wins so that the output does not depend on walk order.
func findProvider(c *config.Config, ix ruleFinder, spec resolve.ImportSpec, from label.Label) (label.Label, bool) {
	results := ix.FindRulesByImportWithConfig(c, spec, languageName)
	var best label.Label
	found := false
	for _, res := range results {
		if res.Label.Equal(from) {
			continue
		}
		if !found || res.Label.String() < best.String() {
			best, found = res.Label, true
		}
	}
	if len(results) > 1 {
		log.Printf("%s: %q is provided by %d rules; using %s", from, spec.Imp, len(results), best)
	}
	return best, found
}

// onDisk returns the first candidate path of name in dirs that is a file in
// the source tree, or "".
func onDisk(repoRoot string, dirs []string, name string) string {
	for _, d := range dirs {
		cand := path.Clean(path.Join(d, name))
		if cand == ".." || strings.HasPrefix(cand, "../") {
			continue
		}
		if st, err := os.Stat(repoPath(repoRoot, cand)); err == nil && st.Mode().IsRegular() {
			return cand
		}
	}
	return ""
}

func directiveWord(data bool) string {
	if data {
		return "incbin"
	}
	return "%include"
}

func describeDirs(dirs []string) string {
	var q []string
	for _, d := range dirs {
		if d == "" {
			d = "."
		}
		q = append(q, d+"/")
	}
	return strings.Join(q, ", ")
}
