package tinylang

import (
	"flag"
	"fmt"
	"log"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/bazel-contrib/bazel-gazelle/v2/config"
	"github.com/bazel-contrib/bazel-gazelle/v2/rule"
)

// Directive names. Each one is read from the BUILD file of a directory and
// applies to that directory and everything below it, until a deeper BUILD
// file says otherwise.
const (
	dirEnabled     = "tiny"             // enabled | disabled
	dirImage       = "tiny_image"       // true | false
	dirSizeBudget  = "tiny_size_budget" // N (bytes) | off
	dirEntry       = "tiny_entry"       // symbol (default _start)
	dirCompact     = "tiny_compact"     // true | false
	dirCompression = "tiny_compression" // gzip | zstd | none | default
	dirTagPrefix   = "tiny_tag_prefix"  // registry/prefix (empty: no tag)
	dirIncludeRoot = "tiny_include_root"
	dirRulesRepo   = "tiny_rules_repo" // root BUILD file only
)

// defaultEntry is the symbol that makes an .asm file a program.
const defaultEntry = "_start"

// tinyConfig is the per-directory configuration, copied on write so that a
// subdirectory's directives never leak into its parent or siblings.
type tinyConfig struct {
	enabled     bool
	image       bool
	sizeBudget  int64 // 0: no size_test
	entry       string
	compact     bool
	compression string // "": leave the rule's default
	tagPrefix   string // "": no tag attribute
	// includeRoots are repository-relative directories searched for
	// %include files after the including source's own directory, in order
	// (like nasm -I).
	includeRoots []string
}

func (tc *tinyConfig) clone() *tinyConfig {
	c := *tc
	c.includeRoots = append([]string(nil), tc.includeRoots...)
	return &c
}

func getConfig(c *config.Config) *tinyConfig {
	if tc, ok := c.Exts[languageName].(*tinyConfig); ok {
		return tc
	}
	return &tinyConfig{enabled: true, entry: defaultEntry}
}

func (l *tinyLang) RegisterFlags(fs *flag.FlagSet, cmd string, c *config.Config) {
	c.Exts[languageName] = &tinyConfig{enabled: true, entry: defaultEntry}
	fs.StringVar(&l.rulesRepoFlag, "tiny_rules_repo", "",
		"repository name that provides //rules:defs.bzl (default: the tiny_rules_repo directive in the root BUILD file, else rules_tiny; \"\" inside rules_tiny itself)")
}

// CheckFlags decides where the rules are loaded from. Gazelle asks for the
// load statements once, before it reads any BUILD file, so the only
// directive that can choose them is the one in the root BUILD file, which is
// read here directly.
func (l *tinyLang) CheckFlags(fs *flag.FlagSet, c *config.Config) error {
	repo := l.rulesRepoFlag
	explicit := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "tiny_rules_repo" {
			explicit = true
		}
	})
	if !explicit {
		if v, ok := rootDirective(c, dirRulesRepo); ok {
			repo, explicit = v, true
		}
	}
	if !explicit {
		switch {
		case c.RepoName == "rules_tiny":
			repo = ""
		case c.ModuleToApparentName != nil && c.ModuleToApparentName("rules_tiny") != "":
			repo = c.ModuleToApparentName("rules_tiny")
		default:
			repo = "rules_tiny"
		}
	}
	repo = strings.TrimPrefix(strings.TrimPrefix(repo, "@"), "@")
	if repo != "" && !validRepoName(repo) {
		return fmt.Errorf("tiny_rules_repo: %q is not a valid repository name", repo)
	}
	if repo == "" || repo == c.RepoName {
		l.rulesLoad = "//rules:defs.bzl"
	} else {
		l.rulesLoad = "@" + repo + "//rules:defs.bzl"
	}
	return nil
}

// rootDirective returns the value of the last directive key in the root
// BUILD file, if there is one.
func rootDirective(c *config.Config, key string) (string, bool) {
	for _, name := range c.ValidBuildFileNames {
		f, err := rule.LoadFile(filepath.Join(c.RepoRoot, name), "")
		if err != nil {
			continue
		}
		val, found := "", false
		for _, d := range f.Directives {
			if d.Key == key {
				val, found = strings.TrimSpace(d.Value), true
			}
		}
		return val, found
	}
	return "", false
}

func validRepoName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '_' || c == '-' || c == '.' || (c == '~' || c == '+') && i > 0
		if !ok {
			return false
		}
	}
	return s != ""
}

func (l *tinyLang) KnownDirectives() []string {
	return []string{dirEnabled, dirImage, dirSizeBudget, dirEntry, dirCompact,
		dirCompression, dirTagPrefix, dirIncludeRoot, dirRulesRepo}
}

// Configure applies the directives of the BUILD file in rel (f may be nil).
// A bad value is reported and ignored, so the inherited setting stays.
func (l *tinyLang) Configure(c *config.Config, rel string, f *rule.File) {
	tc := getConfig(c).clone()
	c.Exts[languageName] = tc
	applyDirectives(tc, rel, f, log.Printf)
}

// applyDirectives applies the tiny directives of f (which may be nil) to tc.
// logf reports bad values; nil keeps quiet (the pre-pass of needs.go reads
// every BUILD file once more and must not repeat Configure's messages).
func applyDirectives(tc *tinyConfig, rel string, f *rule.File, logf func(string, ...any)) {
	if f == nil {
		return
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	where := path.Join(rel, path.Base(f.Path))
	bad := func(d rule.Directive, want string) {
		logf("%s: # gazelle:%s %s: want %s; directive ignored", where, d.Key, d.Value, want)
	}
	for _, d := range f.Directives {
		v := strings.TrimSpace(d.Value)
		switch d.Key {
		case dirEnabled:
			switch v {
			case "enabled":
				tc.enabled = true
			case "disabled":
				tc.enabled = false
			default:
				bad(d, "enabled or disabled")
			}
		case dirImage, dirCompact:
			b, err := strconv.ParseBool(v)
			if err != nil {
				bad(d, "true or false")
				continue
			}
			if d.Key == dirImage {
				tc.image = b
			} else {
				tc.compact = b
			}
		case dirSizeBudget:
			if v == "off" || v == "0" {
				tc.sizeBudget = 0
				continue
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				bad(d, "a positive number of bytes, or off")
				continue
			}
			tc.sizeBudget = n
		case dirEntry:
			if !isSymbol(v) {
				bad(d, "a symbol name")
				continue
			}
			tc.entry = v
		case dirCompression:
			switch v {
			case "gzip", "zstd", "none":
				tc.compression = v
			case "default":
				tc.compression = ""
			default:
				bad(d, "gzip, zstd, none or default")
			}
		case dirTagPrefix:
			if v == "" {
				tc.tagPrefix = ""
				continue
			}
			if strings.ContainsAny(v, " \t@") || strings.HasSuffix(v, "/") || strings.Contains(path.Base(v), ":") && strings.Contains(v, "/") {
				bad(d, "a registry/repository prefix without tag or trailing slash")
				continue
			}
			tc.tagPrefix = v
		case dirIncludeRoot:
			if v == "" {
				tc.includeRoots = nil
				continue
			}
			p := path.Clean(v)
			if path.IsAbs(p) || p == ".." || strings.HasPrefix(p, "../") {
				bad(d, "a directory relative to the repository root")
				continue
			}
			if p == "." {
				p = ""
			}
			dup := false
			for _, r := range tc.includeRoots {
				dup = dup || r == p
			}
			if !dup {
				tc.includeRoots = append(tc.includeRoots, p)
			}
		case dirRulesRepo:
			if rel != "" {
				logf("%s: # gazelle:%s only has effect in the root BUILD file (load statements are chosen once per run)", where, d.Key)
			}
		}
	}
}

func isSymbol(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isIdentByte(s[i], i == 0) {
			return false
		}
	}
	return true
}
