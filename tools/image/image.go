// Package image builds FROM-scratch OCI images whose bytes are a function of
// their inputs alone: the files (content, path in the image, mode), the
// runtime config asked for and the platform. Nothing of the host leaks in: no
// timestamps (unless a source date epoch or creation time is given), owners,
// umask, locale or input paths.
//
// An image has one layer: a tar written by package tarball, compressed by
// package compress. The config holds only the requested fields (no created,
// no history); the manifest and the config use OCI media types and compact
// JSON. Build returns a layout.Layout, written by the caller as a directory
// and/or a tarball.
package image

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/rules-tiny/rules_tiny/tools/image/compress"
	"github.com/rules-tiny/rules_tiny/tools/image/layout"
	"github.com/rules-tiny/rules_tiny/tools/image/platform"
	"github.com/rules-tiny/rules_tiny/tools/image/reference"
	"github.com/rules-tiny/rules_tiny/tools/image/tarball"
	"github.com/rules-tiny/rules_tiny/tools/internal/atomicfile"
)

// File is one input file: where it comes from, where it goes, its mode.
type File struct {
	Src  string // host path
	Dest string // clean path in the image, relative to the root ("hello", "usr/bin/x")
	Mode int64  // -1: derived from the content (0755 for executables, else 0644)
}

// DirMode is the mode of the parent directories created for nested files.
const DirMode = 0o755

// ParseFileSpec reads SRC[:DEST[:MODE]]. DEST defaults to /basename(SRC);
// MODE is octal. A SRC containing colons must be followed by a DEST.
func ParseFileSpec(s string) (File, error) {
	parts := strings.Split(s, ":")
	f := File{Mode: -1}
	switch {
	case len(parts) >= 3 && isOctal(parts[len(parts)-1]):
		m, _ := strconv.ParseInt(parts[len(parts)-1], 8, 64)
		if m > 0o7777 {
			return File{}, fmt.Errorf("--file %q: mode %s out of range (max 7777)", s, parts[len(parts)-1])
		}
		f.Mode = m
		f.Src = strings.Join(parts[:len(parts)-2], ":")
		f.Dest = parts[len(parts)-2]
	case len(parts) >= 2:
		f.Src = strings.Join(parts[:len(parts)-1], ":")
		f.Dest = parts[len(parts)-1]
	default:
		f.Src = s
		f.Dest = path.Base(s)
	}
	if f.Src == "" {
		return File{}, fmt.Errorf("--file %q: empty source path", s)
	}
	dest, err := CleanDest(f.Dest)
	if err != nil {
		return File{}, fmt.Errorf("--file %q: %w", s, err)
	}
	f.Dest = dest
	return f, nil
}

func isOctal(s string) bool {
	if s == "" || len(s) > 5 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '7' {
			return false
		}
	}
	return true
}

// CleanDest normalizes a path in the image to its relative form ("/a//b" ->
// "a/b") and rejects anything that could point outside the root or name
// nothing: "..", the root itself, NUL bytes, a trailing slash.
func CleanDest(dest string) (string, error) {
	if dest == "" {
		return "", errors.New("empty destination path")
	}
	if strings.ContainsRune(dest, 0) {
		return "", fmt.Errorf("destination %q contains a NUL byte", dest)
	}
	if strings.HasSuffix(dest, "/") {
		return "", fmt.Errorf("destination %q ends with a slash: name the file", dest)
	}
	for _, el := range strings.Split(dest, "/") {
		if el == ".." {
			return "", fmt.Errorf("destination %q escapes the image root (..)", dest)
		}
	}
	c := strings.TrimPrefix(path.Clean("/"+dest), "/")
	if c == "" {
		return "", fmt.Errorf("destination %q is the image root", dest)
	}
	if err := tarball.CheckName(c); err != nil {
		return "", err
	}
	return c, nil
}

// Spec is everything an image is made of.
type Spec struct {
	Files []File
	// Entrypoint and Cmd are used as given when set (nil: unset). With
	// neither set, the entrypoint is the first ELF file (else the first file).
	Entrypoint   []string
	Cmd          []string
	Env          []string // K=V
	User         string
	WorkingDir   string
	Labels       []string // K=V, config labels
	Annotations  []string // K=V, manifest annotations
	ExposedPorts []string // PORT[/tcp|udp|sctp]
	// Platform is os/arch[/variant]; empty: from the machine of the first ELF file.
	Platform    string
	Compression compress.Algorithm
	Tag         string // REPO[:TAG]; empty: untagged
	// SourceDateEpoch is the mtime of every tar entry (seconds).
	SourceDateEpoch int64
	// Created, if not nil, is written as the config's created time.
	Created *time.Time
	// FollowSymlinks lets a Src be a symbolic link (to a regular file).
	FollowSymlinks bool
}

// Result is a built image.
type Result struct {
	Layout   *layout.Layout
	Manifest ocispec.Descriptor
	Config   ocispec.Descriptor
	Layer    ocispec.Descriptor
	Platform ocispec.Platform
}

// Build validates spec, reads its files and assembles the image in memory.
// Nothing is written: the caller writes Result.Layout once Build succeeded.
func Build(spec Spec) (*Result, error) {
	if len(spec.Files) == 0 {
		return nil, errors.New("no files: give at least one --file")
	}
	alg := spec.Compression
	if alg == "" {
		alg = compress.Gzip
	}
	if _, err := compress.Parse(string(alg)); err != nil {
		return nil, err
	}
	var ref *reference.Ref
	if spec.Tag != "" {
		r, err := reference.Parse(spec.Tag)
		if err != nil {
			return nil, err
		}
		ref = &r
	}
	if spec.SourceDateEpoch < 0 {
		return nil, fmt.Errorf("source date epoch %d is negative", spec.SourceDateEpoch)
	}
	env, err := checkEnv(spec.Env)
	if err != nil {
		return nil, err
	}
	labels, err := keyValues("label", spec.Labels)
	if err != nil {
		return nil, err
	}
	annotations, err := keyValues("annotation", spec.Annotations)
	if err != nil {
		return nil, err
	}
	ports, err := exposedPorts(spec.ExposedPorts)
	if err != nil {
		return nil, err
	}
	if spec.WorkingDir != "" && !strings.HasPrefix(spec.WorkingDir, "/") {
		return nil, fmt.Errorf("working directory %q is not absolute", spec.WorkingDir)
	}
	var plat ocispec.Platform
	if spec.Platform != "" {
		if plat, err = platform.Parse(spec.Platform); err != nil {
			return nil, err
		}
	}

	entries, contents, err := readFiles(spec.Files, spec.FollowSymlinks)
	if err != nil {
		return nil, err
	}
	// The first ELF file is the program: it gives the default platform and
	// the default entrypoint.
	program := -1
	for i, c := range contents {
		if platform.IsELF(c) {
			program = i
			break
		}
	}
	if spec.Platform == "" {
		if program < 0 {
			return nil, errors.New("cannot derive the platform: no input is an ELF file; pass --platform")
		}
		if plat, err = platform.FromELF(contents[program]); err != nil {
			return nil, fmt.Errorf("%s: %w", spec.Files[program].Src, err)
		}
	}

	tarBytes, err := tarball.Bytes(entries, spec.SourceDateEpoch)
	if err != nil {
		return nil, err
	}
	blob, err := compress.Compress(alg, tarBytes)
	if err != nil {
		return nil, err
	}

	l := layout.New()
	layer := l.AddBlob(alg.MediaType(), blob)
	cfg := ocispec.Image{
		Platform: plat,
		Config: ocispec.ImageConfig{
			User:         spec.User,
			ExposedPorts: ports,
			Env:          env,
			Entrypoint:   spec.Entrypoint,
			Cmd:          spec.Cmd,
			WorkingDir:   spec.WorkingDir,
			Labels:       labels,
		},
		RootFS: ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{digest.FromBytes(tarBytes)}},
	}
	if spec.Entrypoint == nil && spec.Cmd == nil {
		entry := spec.Files[0].Dest
		if program >= 0 {
			entry = spec.Files[program].Dest
		}
		cfg.Config.Entrypoint = []string{"/" + entry}
	}
	if spec.Created != nil {
		t := spec.Created.UTC().Truncate(time.Second)
		cfg.Created = &t
	}
	config, err := l.AddJSON(ocispec.MediaTypeImageConfig, cfg)
	if err != nil {
		return nil, err
	}
	manifest, err := l.AddJSON(ocispec.MediaTypeImageManifest, ocispec.Manifest{
		Versioned:   specs.Versioned{SchemaVersion: 2},
		MediaType:   ocispec.MediaTypeImageManifest,
		Config:      config,
		Layers:      []ocispec.Descriptor{layer},
		Annotations: annotations,
	})
	if err != nil {
		return nil, err
	}
	top := manifest
	var tags []string
	if ref != nil {
		top.Annotations = refAnnotations(*ref)
		tags = []string{ref.String()}
	}
	l.Index.MediaType = ocispec.MediaTypeImageIndex
	l.Index.Manifests = []ocispec.Descriptor{top}
	l.Docker = []layout.DockerImage{{Config: config.Digest, RepoTags: tags, Layers: []digest.Digest{layer.Digest}}}
	return &Result{Layout: l, Manifest: manifest, Config: config, Layer: layer, Platform: plat}, nil
}

// LayerBlob returns the compressed layer exactly as the layout stores it.
func (r *Result) LayerBlob() []byte {
	return r.Layout.Blobs[r.Layer.Digest]
}

// WriteLayer writes the compressed layer blob alone at path, atomically:
// the same bytes (and so the same digest) as the layer in the layout, for
// tools that take a layer file (rules_oci's oci_image tars).
func (r *Result) WriteLayer(path string) error {
	return atomicfile.WriteFile(path, r.LayerBlob(), 0o644)
}

// refAnnotations names an image in index.json: the tag as the OCI ref name
// (what umoci, skopeo oci:DIR:TAG and rules_oci look up) and the full name
// containerd gives the image on import.
func refAnnotations(r reference.Ref) map[string]string {
	return map[string]string{
		ocispec.AnnotationRefName:  r.Tag,
		"io.containerd.image.name": r.FullName(),
	}
}

// readFiles reads every input and returns the layer's tar entries (files
// plus parent directories) and the file contents in input order.
func readFiles(files []File, follow bool) ([]tarball.Entry, [][]byte, error) {
	var entries []tarball.Entry
	contents := make([][]byte, 0, len(files))
	isFile := map[string]string{} // dest -> src
	dirs := map[string]bool{}
	for _, f := range files {
		dest, err := CleanDest(f.Dest)
		if err != nil {
			return nil, nil, err
		}
		if prev, dup := isFile[dest]; dup {
			return nil, nil, fmt.Errorf("duplicate destination /%s (from %s and %s)", dest, prev, f.Src)
		}
		isFile[dest] = f.Src
		data, err := readInput(f.Src, follow)
		if err != nil {
			return nil, nil, err
		}
		contents = append(contents, data)
		mode := f.Mode
		if mode < 0 {
			mode = defaultMode(data)
		}
		entries = append(entries, tarball.Entry{Name: dest, Type: tarball.Regular, Mode: mode, Data: data})
		for d := path.Dir(dest); d != "."; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	for d := range dirs {
		if src, clash := isFile[d]; clash {
			return nil, nil, fmt.Errorf("/%s is both a file (from %s) and a directory", d, src)
		}
		entries = append(entries, tarball.Entry{Name: d, Type: tarball.Directory, Mode: DirMode})
	}
	tarball.Sort(entries)
	return entries, contents, nil
}

// readInput reads a regular file, refusing symbolic links unless follow.
func readInput(src string, follow bool) ([]byte, error) {
	fi, err := os.Lstat(src)
	if err != nil {
		return nil, fmt.Errorf("input %s: %w", src, unwrapPathError(err))
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		if !follow {
			return nil, fmt.Errorf("input %s is a symbolic link (pass --follow-symlinks to read its target)", src)
		}
		if fi, err = os.Stat(src); err != nil {
			return nil, fmt.Errorf("input %s: %w", src, unwrapPathError(err))
		}
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("input %s is not a regular file (%s)", src, fi.Mode().Type())
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return nil, fmt.Errorf("input %s: %w", src, unwrapPathError(err))
	}
	return data, nil
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// defaultMode derives a mode from the content, never from the input file's
// permissions (those depend on the umask and checkout): ELF files and
// scripts are executable, everything else is not.
func defaultMode(data []byte) int64 {
	if platform.IsELF(data) || strings.HasPrefix(string(data), "#!") {
		return 0o755
	}
	return 0o644
}

func checkEnv(env []string) ([]string, error) {
	seen := map[string]bool{}
	for _, e := range env {
		k, _, ok := strings.Cut(e, "=")
		if !ok {
			return nil, fmt.Errorf("env entry %q has no '=' (want KEY=VALUE)", e)
		}
		if k == "" {
			return nil, fmt.Errorf("env entry %q has an empty name", e)
		}
		if strings.ContainsRune(e, 0) {
			return nil, fmt.Errorf("env entry %q contains a NUL byte", e)
		}
		if seen[k] {
			return nil, fmt.Errorf("env variable %s given twice", k)
		}
		seen[k] = true
	}
	return env, nil
}

func keyValues(what string, kvs []string) (map[string]string, error) {
	if len(kvs) == 0 {
		return nil, nil
	}
	m := map[string]string{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%s %q: want KEY=VALUE", what, kv)
		}
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("%s %s given twice", what, k)
		}
		m[k] = v
	}
	return m, nil
}

func exposedPorts(ports []string) (map[string]struct{}, error) {
	if len(ports) == 0 {
		return nil, nil
	}
	m := map[string]struct{}{}
	for _, p := range ports {
		num, proto, hasProto := strings.Cut(p, "/")
		if !hasProto {
			proto = "tcp"
		}
		switch proto {
		case "tcp", "udp", "sctp":
		default:
			return nil, fmt.Errorf("exposed port %q: protocol must be tcp, udp or sctp", p)
		}
		n, err := strconv.Atoi(num)
		if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != num {
			return nil, fmt.Errorf("exposed port %q: port must be 1..65535", p)
		}
		m[num+"/"+proto] = struct{}{}
	}
	return m, nil
}
