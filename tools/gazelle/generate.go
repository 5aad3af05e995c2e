package tinylang

import (
	"log"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/bazel-contrib/bazel-gazelle/v2/rule"
	"github.com/bazelbuild/bazel-gazelle/language"
)

// sourceExts are the file name endings the extension reads. Programs come
// from .asm and .nasm files; .inc and .mac files are include files only.
var sourceExts = map[string]bool{".asm": true, ".nasm": true, ".inc": true, ".mac": true}

func isProgramExt(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	return ext == ".asm" || ext == ".nasm"
}

// binImports is what Resolve needs to compute hdrs and includes of one
// asm_binary: the package, its regular files and the program's sources.
type binImports struct {
	pkg   string
	srcs  []string        // file names in pkg
	files map[string]bool // regular files of pkg
}

func (l *tinyLang) GenerateRules(args language.GenerateArgs) language.GenerateResult {
	var res language.GenerateResult
	tc := getConfig(args.Config)
	if !tc.enabled {
		return res
	}

	files := map[string]bool{}
	var names []string
	for _, f := range args.RegularFiles {
		files[f] = true
		if sourceExts[strings.ToLower(path.Ext(f))] {
			names = append(names, f)
		}
	}
	sort.Strings(names)

	infos := map[string]*SourceInfo{}
	for _, name := range names {
		if info := l.scanFile(args.Config.RepoRoot, path.Join(args.Rel, name)); info != nil {
			infos[name] = info
		}
	}

	// Existing asm_binary rules, by the source files they list, so that a
	// renamed rule or one with extra sources keeps its name and sources.
	existingBySrc := map[string]*rule.Rule{}
	var existing []*rule.Rule
	if args.File != nil {
		existing = args.File.Rules
		for _, r := range existing {
			if r.Kind() != kindBinary {
				continue
			}
			for _, s := range r.AttrStrings("srcs") {
				if _, ok := existingBySrc[s]; !ok {
					existingBySrc[s] = r
				}
			}
		}
	}

	taken := map[string]string{} // generated rule name -> what made it
	claim := func(name, why string) bool {
		if prev, ok := taken[name]; ok {
			log.Printf("%s: %s would be named %q, which %s already uses; skipped", args.Rel, why, name, prev)
			return false
		}
		taken[name] = why
		return true
	}
	claim(hdrsName, "the include filegroup")

	var hdrFiles []string
	isBin := map[string]bool{}
	genBins := map[string]bool{} // names of asm_binary rules generated now
	usedAsSrc := map[string]bool{}
	for _, name := range names {
		info := infos[name]
		if info == nil {
			continue
		}
		old := existingBySrc[name]
		entry := tc.entry
		if old != nil && old.AttrString("entry") != "" {
			entry = old.AttrString("entry")
		}
		if !isProgramExt(name) || !info.HasGlobal(entry) {
			hdrFiles = append(hdrFiles, name)
			continue
		}
		binName := strings.TrimSuffix(name, path.Ext(name))
		if old != nil {
			binName = old.Name()
		}
		if !claim(binName, name) {
			continue
		}
		isBin[name] = true
		genBins[binName] = true

		srcs := []string{name}
		if old != nil {
			// Keep the other local sources a user added to the rule.
			for _, s := range old.AttrStrings("srcs") {
				if s != name && files[s] {
					srcs = append(srcs, s)
				}
			}
		}
		r := rule.NewRule(kindBinary, binName)
		r.SetAttr("srcs", srcs)
		switch info.Bits {
		case 32:
			r.SetAttr("arch", "i386")
		case 64:
			r.SetAttr("arch", "amd64")
		default:
			// The source does not say: a value the user wrote stays.
			if old != nil && old.AttrString("arch") != "" {
				r.SetAttr("arch", old.AttrString("arch"))
			}
		}
		if entry != defaultEntry {
			r.SetAttr("entry", entry)
		}
		if tc.compact {
			r.SetAttr("compact", true)
		}
		for _, s := range srcs {
			usedAsSrc[s] = true
		}
		res.Gen = append(res.Gen, r)
		res.Imports = append(res.Imports, &binImports{pkg: args.Rel, srcs: srcs, files: files})

		if tc.image && claim(binName+"_image", "the image of "+name) {
			img := rule.NewRule(kindImage, binName+"_image")
			img.SetAttr("binary", ":"+binName)
			if tc.compression != "" {
				img.SetAttr("compression", tc.compression)
			}
			if tc.tagPrefix != "" {
				img.SetAttr("tag", imageTag(tc.tagPrefix, args.Rel, binName))
			}
			res.Gen = append(res.Gen, img)
			res.Imports = append(res.Imports, nil)
		}
		if tc.sizeBudget > 0 && claim(binName+"_size", "the size test of "+name) {
			st := rule.NewRule(kindSize, binName+"_size")
			st.SetAttr("target", ":"+binName)
			st.SetAttr("max_bytes", tc.sizeBudget)
			res.Gen = append(res.Gen, st)
			res.Imports = append(res.Imports, nil)
		}
	}

	// A file that is a source of a program is not an include file, even if
	// it defines no entry itself (a second source added by the user).
	var onlyHdrs []string
	for _, h := range hdrFiles {
		if !usedAsSrc[h] {
			onlyHdrs = append(onlyHdrs, h)
		}
	}
	hdrFiles = onlyHdrs
	// Data files that this package's include files incbin by a name
	// relative to the package go with them, so that programs elsewhere get
	// them through the same filegroup.
	inGroup := map[string]bool{}
	for _, h := range hdrFiles {
		inGroup[h] = true
	}
	for _, h := range onlyHdrs {
		for _, b := range infos[h].Incbins {
			if p := path.Clean(b); files[p] && !inGroup[p] {
				inGroup[p] = true
				hdrFiles = append(hdrFiles, p)
			}
		}
	}
	// Files that programs in other directories include or incbin from here
	// (see needs.go): a directory of data files, with no assembly and no
	// BUILD file, gets the filegroup too.
	for _, n := range l.neededFiles(args.Config.RepoRoot, args.Rel) {
		if files[n] && !inGroup[n] {
			inGroup[n] = true
			hdrFiles = append(hdrFiles, n)
		}
	}
	if len(hdrFiles) > 0 {
		sort.Strings(hdrFiles)
		g := rule.NewRule(kindGroup, hdrsName)
		g.SetAttr("srcs", hdrFiles)
		g.SetAttr("visibility", []string{"//visibility:public"})
		res.Gen = append(res.Gen, g)
		res.Imports = append(res.Imports, nil)
	}

	res.Empty = staleRules(existing, files, isBin, genBins, len(hdrFiles) > 0)
	if args.Config.IndexLazy {
		res.RelsToIndex = includeDirs(tc, args.Rel, infos)
	}
	return res
}

// includeDirs lists the directories where this package's includes could be
// found, so that with -index=lazy Gazelle indexes their BUILD files too.
// Only direct includes are followed: a directory is indexed, not generated.
func includeDirs(tc *tinyConfig, rel string, infos map[string]*SourceInfo) []string {
	seen := map[string]bool{}
	var dirs []string
	for _, info := range infos {
		if info == nil {
			continue
		}
		for _, inc := range append(append([]string(nil), info.Includes...), info.Incbins...) {
			for _, d := range append([]string{rel}, tc.includeRoots...) {
				cand := path.Clean(path.Join(d, inc))
				dir := path.Dir(cand)
				if dir == "." {
					dir = ""
				}
				if path.IsAbs(inc) || cand == ".." || strings.HasPrefix(cand, "../") || dir == rel || seen[dir] {
					continue
				}
				seen[dir] = true
				dirs = append(dirs, dir)
			}
		}
	}
	sort.Strings(dirs)
	return dirs
}

// staleRules lists existing rules this extension made whose reason to exist
// is gone: an asm_binary whose sources are all local assembly files that no
// longer exist or no longer define the entry, the image and size test of a
// binary that is gone, and the include filegroup of a package with no
// include files left. Rules with label sources, or pointing elsewhere, are
// the user's and are left alone. Gazelle deletes an empty rule only if it is
// not marked "# keep".
func staleRules(existing []*rule.Rule, files, isBin, genBins map[string]bool, haveHdrs bool) []*rule.Rule {
	var empty []*rule.Rule
	staleBins := map[string]bool{}
	for _, r := range existing {
		if r.Kind() != kindBinary || genBins[r.Name()] {
			continue
		}
		srcs := r.AttrStrings("srcs")
		ours := len(srcs) > 0
		for _, s := range srcs {
			if strings.ContainsAny(s, ":/") || !sourceExts[strings.ToLower(path.Ext(s))] || isBin[s] {
				ours = false
			}
		}
		if ours {
			staleBins[r.Name()] = true
			empty = append(empty, rule.NewRule(kindBinary, r.Name()))
		}
	}
	alive := func(target string) bool {
		name := strings.TrimPrefix(target, ":")
		if name == target && strings.Contains(target, ":") {
			return true // a label outside this package: not ours to judge
		}
		if staleBins[name] {
			return false
		}
		if genBins[name] {
			return true
		}
		for _, r := range existing {
			if r.Name() == name {
				return true
			}
		}
		return false
	}
	for _, r := range existing {
		switch {
		case r.Kind() == kindImage && r.Name() == strings.TrimPrefix(r.AttrString("binary"), ":")+"_image" && !alive(r.AttrString("binary")):
			empty = append(empty, rule.NewRule(kindImage, r.Name()))
		case r.Kind() == kindSize && r.Name() == strings.TrimPrefix(r.AttrString("target"), ":")+"_size" && !alive(r.AttrString("target")):
			empty = append(empty, rule.NewRule(kindSize, r.Name()))
		case r.Kind() == kindGroup && r.Name() == hdrsName && !haveHdrs:
			empty = append(empty, rule.NewRule(kindGroup, hdrsName))
		}
	}
	return empty
}

// imageTag is "<prefix>/<package>/<binary>:latest", with the binary's name
// left out when the package already ends with it ("apps/hello" + "hello").
func imageTag(prefix, pkg, bin string) string {
	var parts []string
	if pkg != "" {
		parts = append(parts, pkg)
	}
	if path.Base(pkg) != bin {
		parts = append(parts, bin)
	}
	return prefix + "/" + sanitizeRepo(strings.Join(parts, "/")) + ":latest"
}

// sanitizeRepo lower-cases a repository reference and replaces characters
// that the OCI distribution spec does not allow in a path component.
func sanitizeRepo(s string) string {
	b := []byte(strings.ToLower(s))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' || c == '/') {
			b[i] = '-'
		}
	}
	return string(b)
}

// scanFile returns the scan of a repository-relative file, reading it at
// most once per run; nil if it cannot be read (the reason is logged once).
func (l *tinyLang) scanFile(repoRoot, rel string) *SourceInfo {
	l.mu.Lock()
	info, ok := l.cache[rel]
	l.mu.Unlock()
	if ok {
		return info
	}
	data, err := readSource(repoPath(repoRoot, rel))
	if err != nil {
		if !os.IsNotExist(err) {
			log.Printf("%s: %v", rel, err)
		}
		l.remember(rel, nil)
		return nil
	}
	s := Scan(data)
	l.remember(rel, &s)
	return &s
}

func (l *tinyLang) remember(rel string, info *SourceInfo) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cache[rel] = info
}
