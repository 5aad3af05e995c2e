// Command docgen writes the rule reference of rules/README.md from the
// rules' own doc strings, as stardoc does (stardoc cannot be fetched here):
//
//	go run ./rules/private/docgen          # rewrite the generated part of rules/README.md
//	go run ./rules/private/docgen -check   # exit 1 if it is stale (CI)
//
// It evaluates the public .bzl files with a Starlark interpreter in which
// rule, attr, provider and the other Bazel built-ins are stand-ins that record
// their arguments, the way stardoc's fake build API does, so the docs come
// from the very values Bazel sees (docs built with %, attribute lists built
// by concatenation). Only top-level code runs; rule implementations are
// never called.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
)

// The generated part of the README lies between these lines.
const (
	beginMarker = "<!-- BEGIN GENERATED RULE REFERENCE: go run ./rules/private/docgen -->"
	endMarker   = "<!-- END GENERATED RULE REFERENCE -->"
)

// entry is one public .bzl file and how users load it.
type entry struct {
	file  string // repository-relative
	label string // as users load it
	intro string
}

var entries = []entry{
	{"rules/defs.bzl", "@rules_tiny//rules:defs.bzl", ""},
	{"rules/oci/defs.bzl", "@rules_tiny//rules/oci:defs.bzl", "rules_oci interop: layers and layouts for rules_oci's rules (see e2e/README.md). rules_tiny does not depend on rules_oci; `tiny_oci_image` takes rules_oci's `oci_image` as an argument."},
}

func main() {
	check := flag.Bool("check", false, "exit 1 if rules/README.md's rule reference is not what the .bzl files say")
	root := flag.String("root", ".", "the rules_tiny checkout")
	flag.Parse()
	if err := run(*root, *check); err != nil {
		fmt.Fprintln(os.Stderr, "docgen:", err)
		os.Exit(1)
	}
}

func run(root string, check bool) error {
	ref, err := Reference(root)
	if err != nil {
		return err
	}
	readme := filepath.Join(root, "rules", "README.md")
	old, err := os.ReadFile(readme)
	if err != nil {
		return err
	}
	updated, err := splice(old, ref)
	if err != nil {
		return fmt.Errorf("%s: %v", readme, err)
	}
	if bytes.Equal(old, updated) {
		if check {
			fmt.Println("rules/README.md: the rule reference is current")
		}
		return nil
	}
	if check {
		return fmt.Errorf("rules/README.md: the rule reference differs from the rules' doc strings; run: go run ./rules/private/docgen")
	}
	return os.WriteFile(readme, updated, 0o644)
}

// splice replaces what lies between the markers.
func splice(doc []byte, ref string) ([]byte, error) {
	s := string(doc)
	b := strings.Index(s, beginMarker)
	e := strings.Index(s, endMarker)
	if b < 0 || e < b {
		return nil, fmt.Errorf("no %q ... %q section", beginMarker, endMarker)
	}
	return []byte(s[:b+len(beginMarker)] + "\n\n" + ref + "\n" + s[e:]), nil
}

// Reference renders the reference of every entry file.
func Reference(root string) (string, error) {
	ev := newEvaluator(root)
	var b strings.Builder
	for i, e := range entries {
		globals, err := ev.load(e.file)
		if err != nil {
			return "", err
		}
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "### `%s`\n\n", e.label)
		if e.intro != "" {
			b.WriteString(e.intro + "\n\n")
		}
		fmt.Fprintf(&b, "```starlark\nload(%q, %s)\n```\n", e.label, quoteAll(publicNames(globals)))
		for _, name := range publicNames(globals) {
			if err := renderSymbol(&b, name, globals); err != nil {
				return "", fmt.Errorf("%s: %s: %v", e.file, name, err)
			}
		}
	}
	return b.String(), nil
}

func publicNames(globals starlark.StringDict) []string {
	var names []string
	for name, v := range globals {
		if strings.HasPrefix(name, "_") {
			continue
		}
		switch v.(type) {
		case *ruleValue, *providerValue, *starlark.Function:
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

func renderSymbol(b *strings.Builder, name string, globals starlark.StringDict) error {
	switch v := globals[name].(type) {
	case *ruleValue:
		fmt.Fprintf(b, "\n#### %s\n\n", name)
		return renderRule(b, name, v, nil)
	case *providerValue:
		fmt.Fprintf(b, "\n#### %s (provider)\n\n", name)
		if v.doc == "" {
			return fmt.Errorf("provider without doc")
		}
		b.WriteString(dedent(v.doc) + "\n\n| field | meaning |\n|---|---|\n")
		for _, f := range v.fields {
			fmt.Fprintf(b, "| `%s` | %s |\n", f.name, cell(f.doc))
		}
	case *starlark.Function:
		fmt.Fprintf(b, "\n#### %s\n\n", name)
		doc, args := splitDocstring(v.Doc())
		if doc == "" {
			return fmt.Errorf("macro without docstring")
		}
		b.WriteString(doc + "\n\n")
		// A macro named X that wraps a rule loaded as _X documents that
		// rule's attributes, plus its own arguments.
		if r, ok := globals["_"+name].(*ruleValue); ok {
			if r.doc != "" {
				b.WriteString(dedent(r.doc) + "\n\n")
			}
			return renderRule(b, name, r, args)
		}
		if len(args) > 0 {
			b.WriteString("| argument | meaning |\n|---|---|\n")
			for _, a := range args {
				fmt.Fprintf(b, "| `%s` | %s |\n", a.name, cell(a.doc))
			}
		}
	}
	return nil
}

func renderRule(b *strings.Builder, name string, r *ruleValue, macroArgs []docArg) error {
	if macroArgs == nil {
		if r.doc == "" {
			return fmt.Errorf("rule without doc")
		}
		b.WriteString(dedent(r.doc) + "\n\n")
	}
	b.WriteString("| attribute | type | default | meaning |\n|---|---|---|---|\n")
	b.WriteString("| `name` | name | required | A unique name for this target. |\n")
	names := make([]string, 0, len(r.attrs))
	for n := range r.attrs {
		if !strings.HasPrefix(n, "_") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		a := r.attrs[n]
		if a.doc == "" {
			return fmt.Errorf("attribute %q has no doc", n)
		}
		def := "required"
		if !a.mandatory {
			def = "`" + a.defaultText() + "`"
		}
		doc := a.doc
		if len(a.values) > 0 {
			doc += " One of " + strings.Join(a.values, ", ") + "."
		}
		fmt.Fprintf(b, "| `%s` | %s | %s | %s |\n", n, a.typeName(), def, cell(doc))
	}
	for _, a := range macroArgs {
		if a.name == "name" || strings.HasPrefix(a.name, "**") {
			continue
		}
		fmt.Fprintf(b, "| `%s` | (macro) | | %s |\n", a.name, cell(a.doc))
	}
	return nil
}

// cell makes text fit in one table cell; outside `code`, < and > are
// escaped so that <name> is not taken for HTML.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	parts := strings.Split(s, "`")
	for i := 0; i < len(parts); i += 2 {
		parts[i] = strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(parts[i])
	}
	return strings.ReplaceAll(strings.Join(parts, "`"), "|", "\\|")
}

// dedent removes the common indentation of a docstring's lines after the
// first, as Python's inspect.cleandoc does.
func dedent(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	indent := -1
	for _, l := range lines[1:] {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " "))
		if indent < 0 || n < indent {
			indent = n
		}
	}
	if indent <= 0 {
		return strings.Join(lines, "\n")
	}
	for i := 1; i < len(lines); i++ {
		if len(lines[i]) >= indent {
			lines[i] = lines[i][indent:]
		} else {
			lines[i] = strings.TrimLeft(lines[i], " ")
		}
	}
	return strings.Join(lines, "\n")
}

type docArg struct{ name, doc string }

// splitDocstring separates a Google-style docstring into its text and its
// Args: section (Returns: and later sections are dropped).
func splitDocstring(doc string) (string, []docArg) {
	doc = dedent(doc)
	var text []string
	var args []docArg
	section := ""
	for _, l := range strings.Split(doc, "\n") {
		t := strings.TrimSpace(l)
		if t == "Args:" || t == "Returns:" || t == "Raises:" {
			section = t
			continue
		}
		switch section {
		case "":
			text = append(text, l)
		case "Args:":
			if t == "" {
				continue
			}
			if name, rest, ok := strings.Cut(t, ":"); ok && strings.HasPrefix(l, "  ") && !strings.HasPrefix(l, "    ") && !strings.Contains(name, " ") {
				args = append(args, docArg{name, strings.TrimSpace(rest)})
			} else if len(args) > 0 {
				args[len(args)-1].doc += " " + t
			}
		}
	}
	return strings.TrimSpace(strings.Join(text, "\n")), args
}

// evaluator runs .bzl files with stand-in built-ins, caching each module.
type evaluator struct {
	root    string
	modules map[string]*loaded
}

type loaded struct {
	globals starlark.StringDict
	err     error
}

func newEvaluator(root string) *evaluator {
	return &evaluator{root: root, modules: map[string]*loaded{}}
}

// Bazel's dialect; loads bind globally so that a macro X can find the rule
// its file loads as _X.
var fileOptions = &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true, Recursion: true, LoadBindsGlobally: true}

// load evaluates a repository-relative .bzl file.
func (ev *evaluator) load(file string) (starlark.StringDict, error) {
	if m, ok := ev.modules[file]; ok {
		if m == nil {
			return nil, fmt.Errorf("cycle in load of %s", file)
		}
		return m.globals, m.err
	}
	ev.modules[file] = nil
	src, err := os.ReadFile(filepath.Join(ev.root, filepath.FromSlash(file)))
	if err != nil {
		return nil, err
	}
	thread := &starlark.Thread{
		Name: file,
		Load: func(_ *starlark.Thread, module string) (starlark.StringDict, error) {
			target, err := resolveLoad(file, module)
			if err != nil {
				return nil, err
			}
			return ev.load(target)
		},
	}
	predeclared := builtins()
	// Bazel built-ins that only rule implementations use (ctx, DefaultInfo,
	// depset...) are never called here; any free name becomes a stand-in.
	var globals starlark.StringDict
	for tries := 0; ; tries++ {
		globals, err = starlark.ExecFileOptions(fileOptions, thread, file, src, predeclared)
		var errs resolveErrors
		if err == nil || tries > 100 || !errs.from(err) {
			break
		}
		for _, name := range errs {
			predeclared[name] = &standIn{name: name}
		}
	}
	if err != nil {
		err = fmt.Errorf("evaluating %s: %v", file, err)
	}
	ev.modules[file] = &loaded{globals, err}
	return globals, err
}

// resolveErrors collects the undefined names of a resolve error.
type resolveErrors []string

func (r *resolveErrors) from(err error) bool {
	var list resolve.ErrorList
	if !errors.As(err, &list) {
		return false
	}
	for _, e := range list {
		rest, found := strings.CutPrefix(e.Msg, "undefined: ")
		if !found {
			return false
		}
		name, _, _ := strings.Cut(rest, " ") // drop " (did you mean ...)"
		*r = append(*r, name)
	}
	return len(*r) > 0
}

// resolveLoad turns a load label written in file into a repository-relative
// path. Only this repository's files are followed.
func resolveLoad(file, module string) (string, error) {
	label := strings.TrimPrefix(module, "@rules_tiny")
	switch {
	case strings.HasPrefix(label, "//"):
		pkg, name, ok := strings.Cut(label[2:], ":")
		if !ok {
			return "", fmt.Errorf("%s: load %q: no target name", file, module)
		}
		return strings.TrimPrefix(pkg+"/"+name, "/"), nil
	case strings.HasPrefix(label, ":"):
		return filepath.ToSlash(filepath.Join(filepath.Dir(file), label[1:])), nil
	}
	return "", fmt.Errorf("%s: load %q: only files of this repository can be documented", file, module)
}

// builtins are the stand-ins for Bazel's top-level API.
func builtins() starlark.StringDict {
	attrFns := starlark.StringDict{}
	for _, kind := range []string{"bool", "int", "int_list", "label", "label_list", "label_keyed_string_dict",
		"output", "output_list", "string", "string_dict", "string_list", "string_list_dict"} {
		kind := kind
		attrFns[kind] = starlark.NewBuiltin("attr."+kind, func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			a := &attrValue{kind: kind}
			for _, kv := range kwargs {
				k, v := string(kv[0].(starlark.String)), kv[1]
				switch k {
				case "doc":
					a.doc = str(v)
				case "default":
					a.def = v
				case "mandatory":
					a.mandatory = bool(v.Truth())
				case "values":
					if l, ok := v.(*starlark.List); ok {
						for i := 0; i < l.Len(); i++ {
							a.values = append(a.values, "`"+l.Index(i).String()+"`")
						}
					}
				}
			}
			return a, nil
		})
	}
	return starlark.StringDict{
		"attr":   starlarkstruct.FromStringDict(starlark.String("attr"), attrFns),
		"struct": starlark.NewBuiltin("struct", starlarkstruct.Make),
		"rule": starlark.NewBuiltin("rule", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			r := &ruleValue{attrs: map[string]*attrValue{}}
			for _, kv := range kwargs {
				switch string(kv[0].(starlark.String)) {
				case "doc":
					r.doc = str(kv[1])
				case "attrs":
					d, ok := kv[1].(*starlark.Dict)
					if !ok {
						return nil, fmt.Errorf("rule: attrs is not a dict")
					}
					for _, item := range d.Items() {
						a, ok := item[1].(*attrValue)
						if !ok {
							return nil, fmt.Errorf("rule: attribute %s is not an attr.*()", item[0])
						}
						r.attrs[str(item[0])] = a
					}
				}
			}
			return r, nil
		}),
		"provider": starlark.NewBuiltin("provider", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			p := &providerValue{}
			for _, kv := range kwargs {
				switch string(kv[0].(starlark.String)) {
				case "doc":
					p.doc = str(kv[1])
				case "fields":
					switch f := kv[1].(type) {
					case *starlark.Dict:
						for _, item := range f.Items() {
							p.fields = append(p.fields, docArg{str(item[0]), str(item[1])})
						}
					case *starlark.List:
						for i := 0; i < f.Len(); i++ {
							p.fields = append(p.fields, docArg{str(f.Index(i)), ""})
						}
					}
				}
			}
			return p, nil
		}),
	}
}

func str(v starlark.Value) string {
	if s, ok := v.(starlark.String); ok {
		return string(s)
	}
	return v.String()
}

// ruleValue records a rule() call.
type ruleValue struct {
	doc   string
	attrs map[string]*attrValue
}

func (*ruleValue) String() string        { return "<rule>" }
func (*ruleValue) Type() string          { return "rule" }
func (*ruleValue) Freeze()               {}
func (*ruleValue) Truth() starlark.Bool  { return true }
func (*ruleValue) Hash() (uint32, error) { return 0, fmt.Errorf("rule is not hashable") }

// attrValue records an attr.*() call.
type attrValue struct {
	kind      string
	doc       string
	def       starlark.Value
	mandatory bool
	values    []string
}

func (*attrValue) String() string        { return "<attr>" }
func (*attrValue) Type() string          { return "attr" }
func (*attrValue) Freeze()               {}
func (*attrValue) Truth() starlark.Bool  { return true }
func (*attrValue) Hash() (uint32, error) { return 0, fmt.Errorf("attr is not hashable") }

var typeNames = map[string]string{
	"bool":                    "bool",
	"int":                     "int",
	"int_list":                "list of ints",
	"label":                   "label",
	"label_list":              "list of labels",
	"label_keyed_string_dict": "dict: label → string",
	"output":                  "output",
	"output_list":             "list of outputs",
	"string":                  "string",
	"string_dict":             "dict: string → string",
	"string_list":             "list of strings",
	"string_list_dict":        "dict: string → list of strings",
}

func (a *attrValue) typeName() string { return typeNames[a.kind] }

// defaultText is the attribute's default as a BUILD file would spell it.
func (a *attrValue) defaultText() string {
	if a.def != nil && a.def != starlark.None {
		return a.def.String()
	}
	switch a.kind {
	case "bool":
		return "False"
	case "int":
		return "0"
	case "string":
		return `""`
	case "label", "output":
		return "None"
	case "string_dict", "label_keyed_string_dict", "string_list_dict":
		return "{}"
	}
	return "[]"
}

// providerValue records a provider() call.
type providerValue struct {
	doc    string
	fields []docArg
}

func (*providerValue) String() string        { return "<provider>" }
func (*providerValue) Type() string          { return "provider" }
func (*providerValue) Freeze()               {}
func (*providerValue) Truth() starlark.Bool  { return true }
func (*providerValue) Hash() (uint32, error) { return 0, fmt.Errorf("provider is not hashable") }

// standIn is any other Bazel built-in: callable, with any attribute, and
// never consulted for documentation.
type standIn struct{ name string }

func (s *standIn) String() string        { return "<" + s.name + ">" }
func (s *standIn) Type() string          { return "builtin" }
func (s *standIn) Freeze()               {}
func (s *standIn) Truth() starlark.Bool  { return true }
func (s *standIn) Hash() (uint32, error) { return 0, fmt.Errorf("%s is not hashable", s.name) }
func (s *standIn) Name() string          { return s.name }
func (s *standIn) CallInternal(*starlark.Thread, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return &standIn{name: s.name + "()"}, nil
}
func (s *standIn) Attr(name string) (starlark.Value, error) {
	return &standIn{name: s.name + "." + name}, nil
}
func (s *standIn) AttrNames() []string { return nil }
