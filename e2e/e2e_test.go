// Package e2e checks the Bzlmod workspace in this directory, which shows
// rules_tiny next to rules_oci in a Bazel 7/8 monorepo.
//
// That workspace cannot be built on the machines this repository is developed
// and tested on: they have Debian's Bazel 4.2.3 only and no access to the
// Bazel Central Registry. So these tests do what can be done without it
// (format and lint every Starlark file as buildifier does, resolve every load
// and every label, check the module wiring) and say plainly that the build
// itself did not run. Where a Bazel 7 or 8 is on the PATH, the build runs.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bazelbuild/buildtools/build"
	"github.com/bazelbuild/buildtools/warn"
)

// repoRoot is the rules_tiny checkout; tests run in e2e/.
const repoRoot = ".."

// ownStarlark are the Starlark files of the push/interop work, relative to
// the repository root; each must be buildifier-clean.
var ownStarlark = []string{
	"e2e/MODULE.bazel",
	"e2e/BUILD.bazel",
	"rules/oci/BUILD.bazel",
	"rules/oci/defs.bzl",
	"rules/oci/layer.bzl",
	"rules/private/push.bzl",
	"examples/push/BUILD.bazel",
}

func parse(t *testing.T, rel string) *build.File {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, rel))
	if err != nil {
		t.Fatal(err)
	}
	f, err := parseBytes(rel, data)
	if err != nil {
		t.Fatalf("%s does not parse: %v", rel, err)
	}
	return f
}

func parseBytes(rel string, data []byte) (*build.File, error) {
	base := filepath.Base(rel)
	switch {
	case base == "MODULE.bazel":
		return build.ParseModule(rel, data)
	case base == "BUILD" || base == "BUILD.bazel":
		return build.ParseBuild(rel, data)
	case base == "WORKSPACE" || base == "WORKSPACE.bazel":
		return build.ParseWorkspace(rel, data)
	case strings.HasSuffix(base, ".bzl"):
		return build.ParseBzl(rel, data)
	}
	return build.ParseDefault(rel, data)
}

func TestE2EWorkspaceBuildsWithBazel7or8(t *testing.T) {
	want, err := os.ReadFile(".bazelversion")
	if err != nil {
		t.Fatal(err)
	}
	bazel, err := exec.LookPath("bazel")
	if err != nil {
		t.Skipf("NOT RUN: e2e/ needs Bazel %s (Bzlmod) and the Bazel Central Registry; no bazel on the PATH. Only the static checks ran.", strings.TrimSpace(string(want)))
	}
	// Asked outside e2e/: Debian's bazel wrapper reads .bazelversion.
	ver := exec.Command(bazel, "--version")
	ver.Dir = os.TempDir()
	out, _ := ver.Output()
	version := strings.TrimSpace(string(out))
	if !regexp.MustCompile(`^bazel [78]\.`).MatchString(version) {
		t.Skipf("NOT RUN: e2e/ needs Bazel %s (Bzlmod) and the Bazel Central Registry; this machine has %q (Debian's 4.2.3 says no_version). Only the static checks ran.",
			strings.TrimSpace(string(want)), version)
	}
	if testing.Short() {
		t.Skip("NOT RUN in -short mode: building e2e/ downloads rules_oci's and rules_go's toolchains")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bazel, "test", "//...")
	cmd.Env = append(os.Environ(), "USE_BAZEL_VERSION="+strings.TrimSpace(string(want)))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bazel test //... in e2e/ (%s): %v\n%s", version, err, out)
	}
}

// TestStarlarkFilesAreBuildifierClean formats and lints the files the way
// `buildifier --mode=check --lint=warn` does, with the buildtools packages
// pinned by go.mod, and with a buildifier binary too when one is installed.
func TestStarlarkFilesAreBuildifierClean(t *testing.T) {
	reader := warn.NewFileReader(func(rel string) ([]byte, error) {
		return os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(rel)))
	})
	for _, rel := range ownStarlark {
		data, err := os.ReadFile(filepath.Join(repoRoot, rel))
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		f, err := parseBytes(rel, data)
		if err != nil {
			t.Errorf("%s does not parse: %v", rel, err)
			continue
		}
		if got := build.Format(f); !bytes.Equal(got, data) {
			t.Errorf("%s is not buildifier-formatted; formatted it reads:\n%s", rel, got)
		}
		f.Pkg = filepath.ToSlash(filepath.Dir(rel))
		for _, w := range warn.FileWarnings(f, warn.DefaultWarnings, nil, warn.ModeWarn, reader) {
			t.Errorf("%s:%d: %s: %s", rel, w.Start.Line, w.Category, w.Message)
		}
	}

	bin := findBuildifier()
	if bin == "" {
		t.Log("no buildifier binary installed; checked with the buildtools Go packages only")
		return
	}
	var args []string
	for _, rel := range ownStarlark {
		args = append(args, filepath.Join(repoRoot, rel))
	}
	cmd := exec.Command(bin, append([]string{"--mode=check", "--lint=warn"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("%s --mode=check --lint=warn: %v\n%s", bin, err, out)
	}
}

func findBuildifier() string {
	if p, err := exec.LookPath("buildifier"); err == nil {
		return p
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		p := filepath.Join(strings.TrimSpace(string(out)), "bin", "buildifier")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// module is what a MODULE.bazel declares, as far as these checks need it.
type module struct {
	name      string
	deps      map[string]string // repo name -> module name
	overrides map[string]string // module name -> local_path_override path
}

func readModule(t *testing.T, rel string) *module {
	t.Helper()
	f := parse(t, rel)
	m := &module{deps: map[string]string{}, overrides: map[string]string{}}
	for _, stmt := range f.Stmt {
		call, ok := stmt.(*build.CallExpr)
		if !ok {
			continue
		}
		fn, ok := call.X.(*build.Ident)
		if !ok {
			continue
		}
		kw := map[string]string{}
		for _, arg := range call.List {
			if a, ok := arg.(*build.AssignExpr); ok {
				if s, ok := a.RHS.(*build.StringExpr); ok {
					kw[a.LHS.(*build.Ident).Name] = s.Value
				}
			}
		}
		switch fn.Name {
		case "module":
			m.name = kw["name"]
		case "bazel_dep":
			repo := kw["repo_name"]
			if repo == "" {
				repo = kw["name"]
			}
			m.deps[repo] = kw["name"]
		case "local_path_override":
			m.overrides[kw["module_name"]] = kw["path"]
		}
	}
	return m
}

func TestE2EModuleWiring(t *testing.T) {
	v, err := os.ReadFile(".bazelversion")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[78]\.\d+\.\d+\n?$`).Match(v) {
		t.Errorf(".bazelversion is %q; e2e/ is for Bazel 7.x or 8.x", v)
	}
	e2e := readModule(t, "e2e/MODULE.bazel")
	for _, dep := range []string{"rules_tiny", "rules_oci", "rules_go", "gazelle"} {
		if _, ok := e2e.deps[dep]; !ok {
			t.Errorf("e2e/MODULE.bazel has no bazel_dep on %s", dep)
		}
	}
	if p := e2e.overrides["rules_tiny"]; p != ".." {
		t.Errorf("e2e/MODULE.bazel: local_path_override for rules_tiny has path %q, want \"..\"", p)
	}
	if _, err := os.Stat(filepath.Join(repoRoot, "MODULE.bazel")); err != nil {
		t.Fatalf("rules_tiny has no MODULE.bazel at the repository root, so e2e/ cannot depend on it: %v", err)
	}
	root := readModule(t, "MODULE.bazel")
	if root.name != "rules_tiny" {
		t.Errorf("the root MODULE.bazel declares module %q; e2e/ depends on rules_tiny", root.name)
	}
	// rules_tiny must not force rules_oci into its users' module graph: the
	// interop takes oci_image from the caller, so no rules_tiny file loads it.
	if _, ok := root.deps["rules_oci"]; ok {
		t.Errorf("the root MODULE.bazel depends on rules_oci; every rules_tiny user would get it")
	}
}

// knownExports lists what external .bzl files export, for the files e2e/
// loads from repositories that are not in this checkout. From rules_oci 2.x
// oci/defs.bzl and rules_shell's shell/sh_test.bzl.
var knownExports = map[string][]string{
	"@rules_oci//oci:defs.bzl":          {"oci_image", "oci_image_index", "oci_image_rule", "oci_load", "oci_push", "oci_push_rule", "oci_tarball_rule"},
	"@rules_shell//shell:sh_test.bzl":   {"sh_test"},
	"@rules_shell//shell:sh_binary.bzl": {"sh_binary"},
}

var labelRE = regexp.MustCompile(`^(?:@@?([\w.~+-]*))?(?://([\w./+-]*))?:?([\w./+-]+)$`)

// loadTarget resolves a load label written in file `from` (repo-root
// relative) of repository `repo` ("" = rules_tiny). It returns the repository
// and the file path within it.
func loadTarget(repo, from, label string) (string, string, error) {
	m := labelRE.FindStringSubmatch(label)
	if m == nil {
		return "", "", fmt.Errorf("%q is not a label", label)
	}
	r, pkg, name := m[1], m[2], m[3]
	hasRepo := strings.HasPrefix(label, "@")
	if !hasRepo {
		r = repo
	}
	if !strings.Contains(label, "//") {
		pkg = filepath.ToSlash(filepath.Dir(from))
		if repo == "e2e" {
			pkg = strings.TrimPrefix(strings.TrimPrefix(pkg, "e2e"), "/")
		}
	}
	return r, strings.TrimPrefix(pkg+"/"+name, "/"), nil
}

// topLevelNames lists what a .bzl file defines or loads at top level.
func topLevelNames(f *build.File) map[string]bool {
	names := map[string]bool{}
	for _, stmt := range f.Stmt {
		switch s := stmt.(type) {
		case *build.DefStmt:
			names[s.Name] = true
		case *build.AssignExpr:
			if id, ok := s.LHS.(*build.Ident); ok {
				names[id.Name] = true
			}
		case *build.LoadStmt:
			// To holds the names bound in the loading file.
			for _, to := range s.To {
				names[to.Name] = true
			}
		}
	}
	return names
}

// TestE2ELoadsResolve follows every load of e2e/ and of the rules_tiny files
// it reaches: files in this checkout must exist and define the loaded names;
// other repositories must be declared bazel_deps of the loading module.
func TestE2ELoadsResolve(t *testing.T) {
	e2eDeps := readModule(t, "e2e/MODULE.bazel").deps
	var rootDeps map[string]string
	if _, err := os.Stat(filepath.Join(repoRoot, "MODULE.bazel")); err == nil {
		rootDeps = readModule(t, "MODULE.bazel").deps
	}
	type item struct{ repo, path string } // repo "e2e" or "rules_tiny"
	seen := map[item]bool{}
	queue := []item{{"e2e", "e2e/BUILD.bazel"}}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		if seen[it] {
			continue
		}
		seen[it] = true
		f := parse(t, it.path)
		for _, stmt := range f.Stmt {
			load, ok := stmt.(*build.LoadStmt)
			if !ok {
				continue
			}
			label := load.Module.Value
			repo, file, err := loadTarget(it.repo, it.path, label)
			if err != nil {
				t.Errorf("%s: %v", it.path, err)
				continue
			}
			var local string
			switch {
			case repo == "e2e" || (it.repo == "e2e" && repo == ""):
				local = "e2e/" + file
			case repo == "rules_tiny" && (it.repo == "rules_tiny" || e2eDeps["rules_tiny"] == "rules_tiny"):
				local = file
			case repo == "bazel_tools":
				continue
			default:
				deps := e2eDeps
				if it.repo == "rules_tiny" {
					deps = rootDeps
				}
				if _, ok := deps[repo]; !ok {
					t.Errorf("%s loads %s, but @%s is not a bazel_dep of the module that file belongs to", it.path, label, repo)
				}
				if exports, ok := knownExports[label]; ok {
					for _, from := range load.From {
						if !contains(exports, from.Name) {
							t.Errorf("%s loads %q from %s, which does not export it", it.path, from.Name, label)
						}
					}
				}
				continue
			}
			if _, err := os.Stat(filepath.Join(repoRoot, local)); err != nil {
				t.Errorf("%s loads %s: %s does not exist", it.path, label, local)
				continue
			}
			// From holds the names as the loaded file defines them.
			names := topLevelNames(parse(t, local))
			for _, from := range load.From {
				if !names[from.Name] {
					t.Errorf("%s loads %q from %s, which does not define it", it.path, from.Name, local)
				}
			}
			next := "rules_tiny"
			if strings.HasPrefix(local, "e2e/") {
				next = "e2e"
			}
			queue = append(queue, item{next, local})
		}
	}
	var files []string
	for it := range seen {
		files = append(files, it.path)
	}
	sort.Strings(files)
	t.Logf("followed loads through %s", strings.Join(files, ", "))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Targets a macro creates besides the one named `name`.
var macroSuffixes = map[string][]string{
	"tiny_oci_image":   {"_layer"},
	"tiny_image":       {".tar", ".load", "_size_test"},
	"tiny_image_index": {".tar", "_size_test"},
	"asm_binary":       {"_size_test"},
	"oci_image":        {".digest"},
}

// TestE2ELabelsReferToTargets checks every ":name" in e2e/BUILD.bazel
// (attributes, and $(rootpath :name) in args) against the targets the file
// declares and the files next to it.
func TestE2ELabelsReferToTargets(t *testing.T) {
	f := parse(t, "e2e/BUILD.bazel")
	targets := map[string]bool{}
	for _, r := range f.Rules("") {
		n := r.Name()
		targets[n] = true
		for _, s := range macroSuffixes[r.Kind()] {
			targets[n+s] = true
		}
	}
	ref := regexp.MustCompile(`(?:^|\(rootpath |\(location |\(execpath )(:[\w.+-]+)`)
	build.Walk(f, func(x build.Expr, _ []build.Expr) {
		s, ok := x.(*build.StringExpr)
		if !ok {
			return
		}
		for _, m := range ref.FindAllStringSubmatch(s.Value, -1) {
			name := m[1][1:]
			if targets[name] {
				continue
			}
			if _, err := os.Stat(name); err == nil {
				continue
			}
			t.Errorf("e2e/BUILD.bazel refers to :%s, which is neither a target nor a file there", name)
		}
	})
	for _, src := range []string{"hello.asm", "hello64.asm", "interop_test.sh"} {
		if _, err := os.Stat(src); err != nil {
			t.Errorf("%v", err)
		}
	}
}

// TestNoRulesTinyFileLoadsRulesOCI keeps rules_oci out of every file of
// rules_tiny (it is not a dependency of the module: the interop takes
// oci_image from its caller), and e2e/ (whose BUILD file loads it) out of the
// root workspace's `//...`.
func TestNoRulesTinyFileLoadsRulesOCI(t *testing.T) {
	err := filepath.WalkDir(repoRoot, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(repoRoot, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == "e2e" || rel == ".git" || strings.HasPrefix(rel, "bazel-") || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		base := d.Name()
		if !(base == "BUILD" || base == "BUILD.bazel" || base == "WORKSPACE" || strings.HasSuffix(base, ".bzl")) {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f, err := parseBytes(rel, data)
		if err != nil {
			return nil // not ours to judge here
		}
		for _, stmt := range f.Stmt {
			if l, ok := stmt.(*build.LoadStmt); ok {
				if strings.HasPrefix(l.Module.Value, "@rules_oci//") {
					t.Errorf("%s loads %s; rules_tiny does not depend on rules_oci", rel, l.Module.Value)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ignore, _ := os.ReadFile(filepath.Join(repoRoot, ".bazelignore"))
	listed := false
	for _, line := range strings.Split(string(ignore), "\n") {
		if strings.Trim(strings.TrimSpace(line), "/") == "e2e" {
			listed = true
		}
	}
	if !listed {
		t.Errorf(".bazelignore does not list e2e: `bazel test //...` at the root would load e2e/BUILD.bazel, which needs rules_oci")
	}
}

// TestDebianBazelrcMatchesConfigDebian keeps rules/debian.bazelrc (the one
// line a consumer workspace on Debian's Bazel imports) and rules_tiny's own
// --config=debian the same set of flags.
func TestDebianBazelrcMatchesConfigDebian(t *testing.T) {
	read := func(rel, prefix string) map[string]bool {
		data, err := os.ReadFile(filepath.Join(repoRoot, rel))
		if err != nil {
			t.Fatal(err)
		}
		flags := map[string]bool{}
		for _, line := range strings.Split(string(data), "\n") {
			f := strings.Fields(line)
			if len(f) != 2 || strings.HasPrefix(f[0], "#") {
				continue
			}
			cmd, ok := strings.CutSuffix(f[0], prefix)
			if !ok || strings.Contains(cmd, ":") {
				continue
			}
			flag := f[1]
			// The consumer's file names rules_tiny's repository; rules_tiny's own
			// .bazelrc deletes packages only rules_tiny has.
			flag = strings.Replace(flag, "=@rules_tiny//", "=//", 1)
			if strings.HasPrefix(flag, "--deleted_packages=") {
				continue
			}
			flags[cmd+" "+flag] = true
		}
		return flags
	}
	own := read(".bazelrc", ":debian")
	consumer := read("rules/debian.bazelrc", "")
	if len(own) == 0 {
		t.Fatal(".bazelrc has no build:debian flags")
	}
	for f := range own {
		if !consumer[f] {
			t.Errorf(".bazelrc has %q under :debian but rules/debian.bazelrc lacks it", f)
		}
	}
	for f := range consumer {
		if !own[f] {
			t.Errorf("rules/debian.bazelrc has %q but .bazelrc's --config=debian lacks it", f)
		}
	}
}
