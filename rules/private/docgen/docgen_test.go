package main

import (
	"os"
	"strings"
	"testing"
)

// The rule reference in rules/README.md is what the rules' own doc strings
// say; this fails when someone edits one without the other.
func TestReadmeRuleReferenceIsCurrent(t *testing.T) {
	if err := run("../../..", true); err != nil {
		t.Fatal(err)
	}
}

// Every public rule, macro and provider of rules/defs.bzl is documented,
// with each attribute, so the generated reference has no holes.
func TestReferenceCoversThePublicAPI(t *testing.T) {
	ref, err := Reference("../../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"#### asm_binary", "| `srcs` |", "| `size_budget` | (macro) |",
		"#### tiny_image", "| `binary` | label | required |", "#### tiny_image_index",
		"#### size_test", "#### tiny_push", "#### TinyImageInfo (provider)",
		"#### tiny_layer", "#### tiny_oci_image",
	} {
		if !strings.Contains(ref, want) {
			t.Errorf("reference lacks %q", want)
		}
	}
}

// A rule attribute without a doc string is an error, not a silent gap.
func TestUndocumentedAttributeIsAnError(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(dir+"/rules", 0o755)
	os.WriteFile(dir+"/rules/defs.bzl", []byte(`
def _impl(ctx):
    return [DefaultInfo()]

my_rule = rule(implementation = _impl, doc = "A rule.", attrs = {"x": attr.string()})
`), 0o644)
	ev := newEvaluator(dir)
	globals, err := ev.load("rules/defs.bzl")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	err = renderSymbol(&b, "my_rule", globals)
	if err == nil || !strings.Contains(err.Error(), `attribute "x" has no doc`) {
		t.Errorf("got %v, want an error about attribute x", err)
	}
}
