// Package tinylang is a Gazelle language extension that writes rules_tiny
// BUILD rules for NASM-syntax assembly: an asm_binary for each program, the
// %include files it needs as hdrs (across packages, through Gazelle's rule
// index), and optionally a tiny_image and a size_test per program.
//
// Use it from gazelle_binary (languages = ["@rules_tiny//rules/gazelle"]), with
// `bazel run @rules_tiny//:gazelle`, or with the Go-only runner in
// tools/cmd/gazelle-tiny. See README.md.
//
// One Gazelle generation: every type and function comes from the v2 packages
// (github.com/bazel-contrib/bazel-gazelle/v2/...). Gazelle 0.54's drivers
// (gazelle_binary's generated main and the importable update.Run) still call
// extensions through the v1 Language interface, so the v1 module is imported
// only for the names that interface's method set spells: language.Language
// and its argument structs, repo.RemoteCache and resolve.RuleIndex (see
// Resolve). Every other v1 name is an alias of the v2 one.
package tinylang

import (
	"sync"

	"github.com/bazel-contrib/bazel-gazelle/v2/config"
	"github.com/bazel-contrib/bazel-gazelle/v2/rule"
	"github.com/bazelbuild/bazel-gazelle/language"
)

const (
	languageName = "tiny"

	kindBinary = "asm_binary"
	kindImage  = "tiny_image"
	kindSize   = "size_test"
	kindGroup  = "filegroup"

	// hdrsName is the filegroup that exports a package's include files to
	// programs in other packages. It is what the rule index resolves
	// %include paths to.
	hdrsName = "asm_hdrs"
)

type tinyLang struct {
	rulesRepoFlag string
	rulesLoad     string // label of defs.bzl, decided in CheckFlags

	mu    sync.Mutex
	cache map[string]*SourceInfo // repository-relative path -> scan result

	// needs is computed once per run, before the first BUILD file is
	// generated: the files programs anywhere need from other directories.
	needsOnce sync.Once
	needs     map[string]map[string]bool // directory -> file names
}

var _ language.Language = (*tinyLang)(nil)

// NewLanguage returns the extension. gazelle_binary calls this by name.
func NewLanguage() language.Language {
	return &tinyLang{rulesLoad: "@rules_tiny//rules:defs.bzl", cache: map[string]*SourceInfo{}}
}

func (*tinyLang) Name() string { return languageName }

// Kinds tells Gazelle how to merge what it generates with what is on disk.
// Attributes computed from the sources are mergeable (Gazelle owns them and
// rewrites them); attributes that come from directives (entry, compact, tag,
// compression, max_bytes) are not: Gazelle writes them when it creates the
// rule and leaves them to the user afterwards.
func (*tinyLang) Kinds() map[string]rule.KindInfo {
	return map[string]rule.KindInfo{
		kindBinary: {
			MatchAttrs:     []string{"srcs"},
			NonEmptyAttrs:  map[string]bool{"srcs": true},
			MergeableAttrs: map[string]bool{"srcs": true, "arch": true},
			ResolveAttrs:   map[string]bool{"hdrs": true, "includes": true},
		},
		kindImage: {
			MatchAttrs:     []string{"binary"},
			NonEmptyAttrs:  map[string]bool{"binary": true},
			MergeableAttrs: map[string]bool{"binary": true},
		},
		kindSize: {
			MatchAttrs:     []string{"target"},
			NonEmptyAttrs:  map[string]bool{"target": true},
			MergeableAttrs: map[string]bool{"target": true},
		},
		// The filegroup is claimed so that Gazelle asks this extension for
		// its imports when it builds the rule index. Imports only answers
		// for filegroups named asm_hdrs; others are not indexed.
		kindGroup: {
			NonEmptyAttrs:  map[string]bool{"srcs": true},
			MergeableAttrs: map[string]bool{"srcs": true},
		},
	}
}

func (l *tinyLang) Loads() []rule.LoadInfo {
	return []rule.LoadInfo{{
		Name:    l.rulesLoad,
		Symbols: []string{kindBinary, kindSize, kindImage},
	}}
}

func (*tinyLang) Fix(c *config.Config, f *rule.File) {}
