//go:build !tiny_core

package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rules-tiny/rules_tiny/tools/image"
	"github.com/rules-tiny/rules_tiny/tools/image/compress"
	"github.com/rules-tiny/rules_tiny/tools/image/layout"
	"github.com/rules-tiny/rules_tiny/tools/internal/atomicfile"
)

func init() {
	register("image", "build a reproducible FROM-scratch OCI image (layout dir, tarball and/or layer blob)", runImage)
}

// argvFlag is --entrypoint/--cmd: either one JSON array ('["/hello","-v"]')
// or repeated plain values, one argument each.
type argvFlag struct {
	argv []string
	set  bool
	json bool
}

func (a *argvFlag) String() string { return strings.Join(a.argv, " ") }
func (a *argvFlag) Set(v string) error {
	if strings.HasPrefix(strings.TrimSpace(v), "[") {
		if a.set {
			return errors.New("a JSON array cannot be combined with other values")
		}
		var argv []string
		if err := json.Unmarshal([]byte(v), &argv); err != nil {
			return fmt.Errorf("not a JSON array of strings: %v", err)
		}
		a.argv, a.set, a.json = argv, true, true
		if a.argv == nil {
			a.argv = []string{}
		}
		return nil
	}
	if a.json {
		return errors.New("a JSON array cannot be combined with other values")
	}
	a.argv, a.set = append(a.argv, v), true
	return nil
}

func (a *argvFlag) value() []string {
	if !a.set {
		return nil
	}
	return a.argv
}

func runImage(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tiny image", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		files, env, labels, annotations, expose listFlag
		entrypoint, cmd                         argvFlag
	)
	layoutDir := fs.String("layout", "", "write the OCI image layout directory here")
	tarPath := fs.String("tarball", "", "write the loadable tarball (OCI layout + docker manifest.json) here")
	layerPath := fs.String("layer", "", "write the compressed layer blob alone here (the bytes of the layer in the layout/tarball)")
	fs.Var(&files, "file", "SRC[:DEST[:MODE]] file to put in the image (repeatable; DEST default /basename, MODE octal, default 755 for ELF/#! files else 644)")
	fs.Var(&entrypoint, "entrypoint", "entrypoint: a JSON array, or repeat once per argument (default: the first file)")
	fs.Var(&cmd, "cmd", "cmd: a JSON array, or repeat once per argument")
	fs.Var(&env, "env", "KEY=VALUE environment variable (repeatable)")
	user := fs.String("user", "", "user (and group) to run as")
	workdir := fs.String("workdir", "", "absolute working directory")
	fs.Var(&labels, "label", "KEY=VALUE config label (repeatable)")
	fs.Var(&annotations, "annotation", "KEY=VALUE manifest annotation (repeatable)")
	fs.Var(&expose, "expose", "PORT[/tcp|udp|sctp] exposed port (repeatable)")
	plat := fs.String("platform", "", "os/arch[/variant] (default: from the first file's ELF machine)")
	comp := fs.String("compression", "gzip", "layer compression: gzip, zstd or none")
	tag := fs.String("tag", "", "REPO[:TAG] to name the image (index.json ref name, docker RepoTags)")
	epoch := fs.String("source-date-epoch", "", "mtime of the layer's entries in seconds (default $SOURCE_DATE_EPOCH, else 0)")
	created := fs.String("created", "", `config "created" time: RFC 3339, or "epoch" for the source date epoch (default: none)`)
	follow := fs.Bool("follow-symlinks", false, "read the target of symlinked inputs instead of refusing them")
	mismatch := fs.Bool("allow-platform-mismatch", false, "let --platform name another architecture than the program's ELF machine")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "tiny image: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *layoutDir == "" && *tarPath == "" && *layerPath == "" {
		fmt.Fprintln(stderr, "tiny image: give at least one of --layout DIR, --tarball OUT.tar, --layer OUT")
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "tiny image: %v\n", err)
		return 1
	}
	spec := image.Spec{
		Entrypoint:            entrypoint.value(),
		Cmd:                   cmd.value(),
		Env:                   env,
		User:                  *user,
		WorkingDir:            *workdir,
		Labels:                labels,
		Annotations:           annotations,
		ExposedPorts:          expose,
		Platform:              *plat,
		Tag:                   *tag,
		FollowSymlinks:        *follow,
		AllowPlatformMismatch: *mismatch,
		TempDir:               scratchDir(*layoutDir, *tarPath, *layerPath),
	}
	for _, f := range files {
		fi, err := image.ParseFileSpec(f)
		if err != nil {
			return fail(err)
		}
		spec.Files = append(spec.Files, fi)
	}
	var err error
	if spec.Compression, err = compress.Parse(*comp); err != nil {
		return fail(err)
	}
	if spec.SourceDateEpoch, err = sourceDateEpoch(*epoch); err != nil {
		return fail(err)
	}
	if *created != "" {
		var t time.Time
		if *created == "epoch" {
			t = time.Unix(spec.SourceDateEpoch, 0)
		} else if t, err = time.Parse(time.RFC3339, *created); err != nil {
			return fail(fmt.Errorf("--created %q: want RFC 3339 (2006-01-02T15:04:05Z) or \"epoch\"", *created))
		}
		spec.Created = &t
	}
	res, err := image.Build(spec)
	if err != nil {
		return fail(err)
	}
	defer res.Close()
	if err := writeImageOutputs(res, *layoutDir, *tarPath, *layerPath); err != nil {
		return fail(err)
	}
	fmt.Fprintln(stdout, res.Manifest.Digest)
	return 0
}

// writeOutputs writes the tarball and the layout (tiny index has no layer).
func writeOutputs(res *image.Result, layoutDir, tarPath string) error {
	return writeImageOutputs(res, layoutDir, tarPath, "")
}

// scratchDir is where a large layer waits to be written: beside the first
// output, on its file system, so the layout can link it rather than copy.
// (An output whose directory is missing is reported once the inputs are
// read; the scratch file then goes to the system's temporary directory.)
func scratchDir(paths ...string) string {
	for _, p := range paths {
		if p != "" {
			dir := filepath.Dir(filepath.Clean(p))
			if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
				return dir
			}
			return ""
		}
	}
	return ""
}

// holdLimit is the most blob bytes a one-shot image or index run writes
// with interrupts held off (atomicfile.HoldInterrupts) rather than
// handled: each output holds the blobs once, so the writes take
// milliseconds, and a ^C waits that long, while the run is spared
// installing a handler (a tenth of a small image's run). A larger image
// keeps the handler, so a ^C stops its long write at once and removes the
// temporaries.
const holdLimit = 8 << 20

func blobBytes(l *layout.Layout) int64 {
	var n int64
	for _, b := range l.Blobs {
		n += b.Size()
	}
	return n
}

// writeImageOutputs writes the layer, the tarball and the layout, each
// atomically; every output is complete before it replaces an old one.
func writeImageOutputs(res *image.Result, layoutDir, tarPath, layerPath string) error {
	if err := checkOutputs(layoutDir, tarPath, layerPath); err != nil {
		return err
	}
	if oneShot && blobBytes(res.Layout) <= holdLimit {
		atomicfile.HoldInterrupts()
	}
	if layerPath != "" {
		if err := res.WriteLayer(layerPath); err != nil {
			return fmt.Errorf("writing %s: %w", layerPath, err)
		}
	}
	if tarPath != "" {
		if err := res.Layout.WriteTarball(tarPath); err != nil {
			return fmt.Errorf("writing %s: %w", tarPath, err)
		}
	}
	if layoutDir != "" {
		if err := res.Layout.WriteDir(layoutDir); err != nil {
			return fmt.Errorf("writing %s: %w", layoutDir, err)
		}
	}
	return nil
}

// checkOutputs refuses up front what would fail half way (one output
// written, then the next refused), so that a bad path leaves every output
// unchanged.
func checkOutputs(layoutDir, tarPath, layerPath string) error {
	outputs := []struct {
		flag, path string
		dir        bool
	}{
		{"--layout", layoutDir, true},
		{"--tarball", tarPath, false},
		{"--layer", layerPath, false},
	}
	for i, o := range outputs {
		if err := checkOutput(o.path, o.dir); err != nil {
			return err
		}
		for _, p := range outputs[:i] {
			if o.path != "" && p.path != "" && filepath.Clean(o.path) == filepath.Clean(p.path) {
				return fmt.Errorf("%s and %s are both %s", p.flag, o.flag, o.path)
			}
		}
	}
	return nil
}

// checkOutput verifies that path can take the output: its parent is a
// directory and anything already there has the right kind.
func checkOutput(path string, dir bool) error {
	if path == "" {
		return nil
	}
	parent := filepath.Dir(filepath.Clean(path))
	if fi, err := os.Stat(parent); err != nil || !fi.IsDir() {
		return fmt.Errorf("output %s: parent directory %s does not exist", path, parent)
	}
	fi, err := os.Lstat(path)
	if err != nil {
		return nil
	}
	if dir && !fi.IsDir() {
		return fmt.Errorf("output %s exists and is not a directory", path)
	}
	if dir {
		// Only an empty directory or a layout we could have written is
		// ever replaced: a typo must not cost the user a directory.
		if err := layout.CheckReplaceable(path); err != nil {
			return fmt.Errorf("output %s: refusing to replace it: %v", path, err)
		}
	}
	if !dir && !fi.Mode().IsRegular() {
		return fmt.Errorf("output %s exists and is not a regular file", path)
	}
	return nil
}

// sourceDateEpoch reads the flag, else $SOURCE_DATE_EPOCH (the
// reproducible-builds convention), else 0.
func sourceDateEpoch(flagValue string) (int64, error) {
	v, from := flagValue, "--source-date-epoch"
	if v == "" {
		v, from = os.Getenv("SOURCE_DATE_EPOCH"), "SOURCE_DATE_EPOCH"
	}
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > 1<<33-1 {
		return 0, fmt.Errorf("%s %q: want seconds since 1970, 0..8589934591", from, v)
	}
	return n, nil
}
