// Package runner runs Gazelle's own fix/update driver with the tiny
// language only, so that a workspace's BUILD files can be generated with
// nothing but the Go toolchain (no rules_go, no gazelle_binary).
//
// The driver is gazelle's importable update package (the code behind
// `gazelle update`), so flags, directives (exclude, resolve, map_kind, ...)
// and the merge behaviour are exactly Gazelle's.
package runner

import (
	"context"
	"errors"

	"github.com/bazel-contrib/bazel-gazelle/v2/cmd/gazelle/update"
	"github.com/bazelbuild/bazel-gazelle/language"

	tinylang "github.com/rules-tiny/rules_tiny/tools/gazelle"
)

// ErrDiff is returned in -mode=diff when a BUILD file would change.
var ErrDiff = update.ErrDiff

// Run runs `gazelle [update|fix] [flags] [dirs]` with wd as the working
// directory (relative -repo_root and directory arguments are relative to it).
func Run(ctx context.Context, wd string, args []string) error {
	langs := []language.Language{tinylang.NewLanguage()}
	return update.Run(ctx, langs, wd, args)
}

// IsDiff reports whether err means "-mode=diff found changes".
func IsDiff(err error) bool { return errors.Is(err, update.ErrDiff) }
