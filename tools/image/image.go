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
//
// Input files stream into the layer: each is read once, hashed (the layer's
// diff ID) and compressed as it goes, and a large layer is kept in a scratch
// file, so memory stays bounded whatever the input sizes.
package image

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/rules-tiny/rules_tiny/tools/image/blob"
	"github.com/rules-tiny/rules_tiny/tools/image/compress"
	"github.com/rules-tiny/rules_tiny/tools/image/layout"
	"github.com/rules-tiny/rules_tiny/tools/image/platform"
	"github.com/rules-tiny/rules_tiny/tools/image/reference"
	"github.com/rules-tiny/rules_tiny/tools/image/tarball"
	"github.com/rules-tiny/rules_tiny/tools/internal/atomicfile"
	"github.com/rules-tiny/rules_tiny/tools/internal/inputfile"
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
//
// "a:b:c" is SRC a:b with DEST c, or SRC a with DEST b and MODE c; when c is
// not octal, the first reading is taken unless only the second names a file
// that exists: then c was meant as a MODE and is refused, rather than read
// as part of the source path.
func ParseFileSpec(s string) (File, error) {
	parts := strings.Split(s, ":")
	f := File{Mode: -1}
	n := len(parts)
	switch {
	case n >= 3 && !isOctal(parts[n-1]) && exists(strings.Join(parts[:n-2], ":")) && !exists(strings.Join(parts[:n-1], ":")):
		return File{}, fmt.Errorf("--file %q: mode %q is not an octal number (0..7777)", s, parts[n-1])
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

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
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
	// AllowPlatformMismatch lets Platform name an architecture other than
	// the program's ELF machine (by default that is an error).
	AllowPlatformMismatch bool
	// TempDir holds a large layer while the image is built (a scratch file,
	// removed by Result.Close); "" is the system's temporary directory.
	// Put it beside the outputs, so the layer can be linked into them.
	TempDir string
}

// Result is a built image.
type Result struct {
	Layout   *layout.Layout
	Manifest ocispec.Descriptor
	Config   ocispec.Descriptor
	Layer    ocispec.Descriptor
	Platform ocispec.Platform
	spool    *blob.Spool
}

// Close removes the scratch file of a large layer; the layout's layer blob
// cannot be read after.
func (r *Result) Close() error {
	if r.spool == nil {
		return nil
	}
	return r.spool.Close()
}

// spoolInMemory is the largest compressed layer held in memory; larger ones
// go to a scratch file in Spec.TempDir.
const spoolInMemory = 4 << 20

// Build validates spec, reads its files and assembles the image. Nothing is
// written but a scratch file for a large layer: the caller writes
// Result.Layout once Build succeeded, then calls Result.Close.
func Build(spec Spec) (res *Result, err error) {
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
	if err := checkConfigText(spec); err != nil {
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

	entries, heads, err := readFiles(spec.Files, spec.FollowSymlinks)
	if err != nil {
		return nil, err
	}
	// The first ELF file is the program: it gives the default platform and
	// the default entrypoint.
	program := -1
	for i, h := range heads {
		if platform.IsELF(h) {
			program = i
			break
		}
	}
	if spec.Platform == "" {
		if program < 0 {
			return nil, errors.New("cannot derive the platform: no input is an ELF file; pass --platform")
		}
		if plat, err = platform.FromELF(heads[program]); err != nil {
			return nil, fmt.Errorf("%s: %w", spec.Files[program].Src, err)
		}
	} else if program >= 0 && !spec.AllowPlatformMismatch {
		// A machine we cannot map (32-bit ARM needs its variant from the
		// user) cannot disagree; one we can must match.
		if elfPlat, err := platform.FromELF(heads[program]); err == nil && elfPlat.Architecture != plat.Architecture {
			return nil, fmt.Errorf("--platform %s does not match %s, an ELF file for %s (pass --allow-platform-mismatch if that is intended)",
				spec.Platform, spec.Files[program].Src, platform.String(elfPlat))
		}
	}

	tarSize, err := tarball.Size(entries, spec.SourceDateEpoch)
	if err != nil {
		return nil, err
	}
	spool := &blob.Spool{Dir: spec.TempDir, Limit: spoolInMemory}
	defer func() {
		if err != nil {
			spool.Close()
		}
	}()
	diffID, layerHash := sha256.New(), sha256.New()
	err = compress.Layer(alg, io.MultiWriter(spool, layerHash), tarSize, func(w io.Writer) error {
		return tarball.Write(io.MultiWriter(w, diffID), entries, spec.SourceDateEpoch)
	})
	if err != nil {
		return nil, err
	}
	layerBlob, err := spool.Blob()
	if err != nil {
		return nil, err
	}

	l := layout.New()
	layer := l.Add(alg.MediaType(), digest.NewDigest(digest.SHA256, layerHash), layerBlob)
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
		RootFS: ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{digest.NewDigest(digest.SHA256, diffID)}},
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
	return &Result{Layout: l, Manifest: manifest, Config: config, Layer: layer, Platform: plat, spool: spool}, nil
}

// WriteLayer writes the compressed layer blob alone at path, atomically:
// the same bytes (and so the same digest) as the layer in the layout, for
// tools that take a layer file (rules_oci's oci_image tars).
func (r *Result) WriteLayer(path string) error {
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		rd, err := r.Layout.Blobs[r.Layer.Digest].Open()
		if err != nil {
			return err
		}
		defer rd.Close()
		_, err = io.Copy(w, rd)
		return err
	})
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

// readFiles checks every input and returns the layer's tar entries (files
// plus parent directories), whose content is read later, and the first
// bytes of each file in input order (enough for the ELF header fields the
// platform comes from).
func readFiles(files []File, follow bool) ([]tarball.Entry, [][]byte, error) {
	var entries []tarball.Entry
	heads := make([][]byte, 0, len(files))
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
		content, head, err := openInput(f.Src, follow)
		if err != nil {
			return nil, nil, err
		}
		heads = append(heads, head)
		mode := f.Mode
		if mode < 0 {
			mode = defaultMode(head)
		}
		entries = append(entries, tarball.Entry{Name: dest, Type: tarball.Regular, Mode: mode, Content: content})
		// A directory already recorded has its parents recorded too.
		for d := path.Dir(dest); d != "." && !dirs[d]; d = path.Dir(d) {
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
	return entries, heads, nil
}

// headBytes is how much of each input is read up front: an ELF header's
// identification and machine fields, or a "#!" line's start.
const headBytes = 64

// openInput checks that src is a regular file (a symbolic link only with
// follow, and then to a regular file) and returns it as content to stream
// into the layer, with its first bytes.
func openInput(src string, follow bool) (blob.Blob, []byte, error) {
	f, fi, err := inputfile.Open(src, follow)
	if err != nil {
		if errors.Is(err, inputfile.ErrSymlink) {
			return nil, nil, fmt.Errorf("input %s is a symbolic link (pass --follow-symlinks to read its target)", src)
		}
		return nil, nil, fmt.Errorf("input %s: %w", src, unwrapPathError(err))
	}
	defer f.Close()
	head := make([]byte, min(fi.Size(), headBytes))
	if _, err := io.ReadFull(f, head); err != nil {
		return nil, nil, fmt.Errorf("input %s: %w", src, err)
	}
	return blob.File{Path: src, N: fi.Size(), FileSize: fi.Size(), Follow: follow}, head, nil
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

// checkText refuses what a config string cannot carry faithfully: NUL and
// other control characters (argv and environment entries end at a NUL, and
// the rest have no business in names, paths or labels) and invalid UTF-8
// (JSON would silently turn it into U+FFFD).
func checkText(what, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s %q is not valid UTF-8", what, s)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%s %q contains the control character %U", what, s, r)
		}
	}
	return nil
}

// checkConfigText applies checkText to every string the config and the
// manifest carry.
func checkConfigText(spec Spec) error {
	lists := []struct {
		what string
		vals []string
	}{
		{"entrypoint argument", spec.Entrypoint},
		{"cmd argument", spec.Cmd},
		{"env entry", spec.Env},
		{"label", spec.Labels},
		{"annotation", spec.Annotations},
		{"exposed port", spec.ExposedPorts},
	}
	for _, l := range lists {
		for _, v := range l.vals {
			if err := checkText(l.what, v); err != nil {
				return err
			}
		}
	}
	if err := checkText("user", spec.User); err != nil {
		return err
	}
	return checkText("working directory", spec.WorkingDir)
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
