// Package layout holds an OCI image layout in memory and writes it two ways:
// as a directory (oci-layout, index.json, blobs/sha256/...), the form
// rules_oci's oci_image outputs and oci_push/oci_load/oci_image_index read;
// and as one tarball holding that same layout plus docker's manifest.json and
// repositories files, as `docker save` writes since Docker 25, so that
// `docker load` (classic and containerd stores), `podman load` and skopeo's
// oci-archive: and docker-archive: transports all accept it.
//
// Both forms are byte-for-byte functions of the Layout: JSON is compact with
// a fixed field order, tar headers come from package tarball.
//
// Blobs are read and written as streams (package blob), so layers larger
// than memory pass through; the JSON blobs (manifests, configs, indexes) are
// held in memory and bounded by MaxJSONBytes.
package layout

import (
	"archive/tar"
	"bufio"
	// go-digest computes sha256 only if the program links it in.
	_ "crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	pathpkg "path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/rules-tiny/rules_tiny/tools/image/blob"
	"github.com/rules-tiny/rules_tiny/tools/image/tarball"
	"github.com/rules-tiny/rules_tiny/tools/internal/atomicfile"
	"github.com/rules-tiny/rules_tiny/tools/internal/inputfile"
)

// Layout is an OCI image layout: its index.json and the blobs it reaches.
type Layout struct {
	Index ocispec.Index
	Blobs map[digest.Digest]blob.Blob
	// Docker lists the images written to manifest.json in the tarball form
	// (docker's classic store loads nothing else). Empty: no manifest.json.
	Docker []DockerImage
}

// DockerImage is one entry of docker's manifest.json.
type DockerImage struct {
	Config   digest.Digest
	RepoTags []string
	Layers   []digest.Digest
}

// dockerManifestEntry is the manifest.json entry as docker writes it.
type dockerManifestEntry struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// New returns an empty layout.
func New() *Layout {
	return &Layout{
		Index: ocispec.Index{Versioned: specs.Versioned{SchemaVersion: 2}},
		Blobs: map[digest.Digest]blob.Blob{},
	}
}

// AddBlob stores data and returns its descriptor with the given media type.
func (l *Layout) AddBlob(mediaType string, data []byte) ocispec.Descriptor {
	return l.Add(mediaType, digest.FromBytes(data), blob.Bytes(data))
}

// Add stores a blob whose digest the caller computed (while streaming it).
func (l *Layout) Add(mediaType string, d digest.Digest, b blob.Blob) ocispec.Descriptor {
	l.Blobs[d] = b
	return ocispec.Descriptor{MediaType: mediaType, Digest: d, Size: b.Size()}
}

// MaxJSONBytes bounds the JSON documents of a layout (index.json, indexes,
// manifests, configs), which are read into memory. Registries refuse
// manifests over 4 MiB; configs are smaller still.
const MaxJSONBytes = 16 << 20

// Bytes returns the content of a small blob (a manifest, config or index).
func (l *Layout) Bytes(d digest.Digest) ([]byte, error) {
	b, ok := l.Blobs[d]
	if !ok {
		return nil, fmt.Errorf("blob %s is not in the layout", d)
	}
	data, err := blob.ReadAll(b, MaxJSONBytes)
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", d, err)
	}
	return data, nil
}

// AddJSON marshals v and stores it as a blob.
func (l *Layout) AddJSON(mediaType string, v any) (ocispec.Descriptor, error) {
	data, err := Marshal(v)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	return l.AddBlob(mediaType, data), nil
}

const ociLayoutFile = `{"imageLayoutVersion":"1.0.0"}`

// BlobPath is the slash-separated path of a blob inside the layout.
func BlobPath(d digest.Digest) string {
	return "blobs/" + d.Algorithm().String() + "/" + d.Encoded()
}

// files returns every file of the layout (and, if withDocker, of docker's
// archive format) by path.
func (l *Layout) files(withDocker bool) (map[string]blob.Blob, error) {
	index, err := Marshal(l.Index)
	if err != nil {
		return nil, err
	}
	out := map[string]blob.Blob{
		"oci-layout": blob.Bytes(ociLayoutFile),
		"index.json": blob.Bytes(index),
	}
	for d, b := range l.Blobs {
		if err := d.Validate(); err != nil {
			return nil, err
		}
		out[BlobPath(d)] = b
	}
	if withDocker && len(l.Docker) > 0 {
		entries := make([]dockerManifestEntry, 0, len(l.Docker))
		repos := map[string]map[string]string{}
		for _, im := range l.Docker {
			e := dockerManifestEntry{Config: BlobPath(im.Config), RepoTags: im.RepoTags}
			for _, ld := range im.Layers {
				e.Layers = append(e.Layers, BlobPath(ld))
			}
			entries = append(entries, e)
			for _, rt := range im.RepoTags {
				i := lastColon(rt)
				if repos[rt[:i]] == nil {
					repos[rt[:i]] = map[string]string{}
				}
				top := ""
				if len(im.Layers) > 0 {
					top = im.Layers[len(im.Layers)-1].Encoded()
				}
				repos[rt[:i]][rt[i+1:]] = top
			}
		}
		m, err := Marshal(entries)
		if err != nil {
			return nil, err
		}
		out["manifest.json"] = blob.Bytes(m)
		if len(repos) > 0 {
			r, err := Marshal(repos)
			if err != nil {
				return nil, err
			}
			out["repositories"] = blob.Bytes(r)
		}
	}
	return out, nil
}

func lastColon(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == ':' {
			return i
		}
	}
	return len(s)
}

// WriteDir writes the layout directory at path atomically. An existing
// directory there is replaced only once the new one is complete, and only if
// it is empty or CheckReplaceable accepts it: anything else is an error and
// stays untouched.
func (l *Layout) WriteDir(path string) error {
	files, err := l.files(false)
	if err != nil {
		return err
	}
	return atomicfile.WriteDir(path, CheckReplaceable, func(tmp string) error {
		names := sortedKeys(files)
		for _, name := range names {
			p := filepath.Join(tmp, filepath.FromSlash(name))
			if err := mkdirs(tmp, filepath.Dir(p)); err != nil {
				return err
			}
			if err := writeFile(p, files[name]); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			// Explicit, so the umask does not decide.
			if err := os.Chmod(p, 0o644); err != nil {
				return err
			}
		}
		return nil
	})
}

// writeFile creates p with b's content: a hard link to a scratch file of
// ours where it can (a large layer is not copied), else a streamed copy.
func writeFile(p string, b blob.Blob) error {
	if ln, ok := b.(blob.Linker); ok && ln.Link(p) == nil {
		return nil
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	r, err := b.Open()
	if err != nil {
		f.Close()
		return err
	}
	_, err = io.Copy(f, r)
	r.Close()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// CheckReplaceable reports whether dir holds nothing but what WriteDir could
// have written: oci-layout, index.json and blobs/<algorithm>/<digest> regular
// files. Anything else (a source tree named by mistake, a symlink, a stray
// file) is an error that names the first foreign entry.
func CheckReplaceable(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		switch name := e.Name(); {
		case name == "oci-layout" || name == "index.json":
			if !e.Type().IsRegular() {
				return notALayout(dir, name)
			}
		case name == "blobs" && e.IsDir():
			if err := checkBlobsDir(dir); err != nil {
				return err
			}
		default:
			return notALayout(dir, name)
		}
	}
	return nil
}

func checkBlobsDir(dir string) error {
	algs, err := os.ReadDir(filepath.Join(dir, "blobs"))
	if err != nil {
		return err
	}
	for _, a := range algs {
		alg := digest.Algorithm(a.Name())
		if !a.IsDir() || !alg.Available() {
			return notALayout(dir, "blobs/"+a.Name())
		}
		blobs, err := os.ReadDir(filepath.Join(dir, "blobs", a.Name()))
		if err != nil {
			return err
		}
		for _, b := range blobs {
			rel := "blobs/" + a.Name() + "/" + b.Name()
			if !b.Type().IsRegular() || alg.Validate(b.Name()) != nil {
				return notALayout(dir, rel)
			}
		}
	}
	return nil
}

func notALayout(dir, entry string) error {
	return fmt.Errorf("it is not an OCI image layout (it holds %s)", filepath.Join(dir, filepath.FromSlash(entry)))
}

func mkdirs(root, dir string) error {
	if dir == root {
		return nil
	}
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if err := mkdirs(root, filepath.Dir(dir)); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	return os.Chmod(dir, 0o755)
}

// WriteTarballTo writes the tarball form: the layout plus docker's files,
// with directory entries for blobs/ and blobs/sha256/.
func (l *Layout) WriteTarballTo(w io.Writer) error {
	files, err := l.files(true)
	if err != nil {
		return err
	}
	dirs := map[string]bool{}
	var entries []tarball.Entry
	for name, b := range files {
		for d := filepath.ToSlash(filepath.Dir(name)); d != "."; d = filepath.ToSlash(filepath.Dir(d)) {
			dirs[d] = true
		}
		entries = append(entries, tarball.Entry{Name: name, Type: tarball.Regular, Mode: 0o644, Content: b})
	}
	for d := range dirs {
		entries = append(entries, tarball.Entry{Name: d, Type: tarball.Directory, Mode: 0o755})
	}
	return tarball.Write(w, entries, 0)
}

// WriteTarball writes the tarball form at path atomically. The tar goes
// through a buffer: it is mostly headers and padding in small pieces, a
// system call each otherwise (large blobs still go straight to the file).
// The buffer is sized for a small image's whole tar (the blobs, a header
// each, and 8 KiB for the rest), at most 32 KiB: a one-shot process
// touches every page it allocates.
func (l *Layout) WriteTarball(path string) error {
	size := int64(8 << 10)
	for _, b := range l.Blobs {
		size += 512 + b.Size()
	}
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, int(min(size, 32<<10)))
		if err := l.WriteTarballTo(bw); err != nil {
			return err
		}
		return bw.Flush()
	})
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Limits on what a tarball may hold, so that a hostile one cannot make the
// reader keep an unbounded table of its members.
const (
	maxTarMembers = 1 << 20
	maxTarFiles   = 1 << 16
)

// Read opens a layout directory: index.json and every blob reachable from
// it (manifests, configs, layers, nested indexes). JSON blobs are loaded and
// checked against their digests now; other blobs (layers) are checked to be
// regular files of the descriptor's size now and against their digests
// whenever they are read (blob.Verified). Every file may be a symbolic link
// (Bazel's runfiles and sandboxes are made of them) if it leads to a regular
// file: FIFOs, devices and directories are refused before a byte is read.
// Blobs not reachable from index.json are not looked at.
func Read(dir string) (*Layout, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	src := source{
		where: dir,
		readSmall: func(name string, max int64) ([]byte, error) {
			return inputfile.ReadFile(filepath.Join(dir, filepath.FromSlash(name)), true, max)
		},
		open: func(name string, size int64) (blob.Blob, error) {
			p := filepath.Join(dir, filepath.FromSlash(name))
			f, fi, err := inputfile.Open(p, true)
			if err != nil {
				return nil, err
			}
			f.Close()
			if fi.Size() != size {
				return nil, &sizeError{fi.Size(), size}
			}
			return blob.File{Path: p, N: size, FileSize: size, Follow: true}, nil
		},
	}
	return src.read()
}

// ReadTarball opens the layout held in a tarball (ours, `docker save` since
// Docker 25, or any OCI archive), with the same checks as Read. Blobs are
// read in place from the tarball when needed.
func ReadTarball(path string) (*Layout, error) {
	f, fi, err := inputfile.Open(path, true)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	type member struct{ off, size int64 }
	members := map[string]member{}
	count := 0
	err = tarball.Members(f, func(h *tar.Header, off int64) error {
		if count++; count > maxTarMembers {
			return fmt.Errorf("more than %d entries", maxTarMembers)
		}
		if h.Typeflag != tar.TypeReg {
			return nil
		}
		name := strings.TrimPrefix(pathpkg.Clean(h.Name), "./")
		if _, dup := members[name]; dup {
			return fmt.Errorf("%s appears twice", name)
		}
		if len(members) >= maxTarFiles {
			return fmt.Errorf("more than %d files", maxTarFiles)
		}
		if off+h.Size > fi.Size() {
			return fmt.Errorf("%s runs past the end of the file", name)
		}
		members[name] = member{off, h.Size}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	get := func(name string) (blob.File, error) {
		m, ok := members[name]
		if !ok {
			return blob.File{}, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
		}
		return blob.File{Path: path, Offset: m.off, N: m.size, FileSize: fi.Size(), Follow: true}, nil
	}
	src := source{
		where: path,
		readSmall: func(name string, max int64) ([]byte, error) {
			b, err := get(name)
			if err != nil {
				return nil, err
			}
			return blob.ReadAll(b, max)
		},
		open: func(name string, size int64) (blob.Blob, error) {
			b, err := get(name)
			if err != nil {
				return nil, err
			}
			if b.N != size {
				return nil, &sizeError{b.N, size}
			}
			return b, nil
		},
	}
	return src.read()
}

// source is where a layout's files come from: a directory or a tarball.
type source struct {
	where     string
	readSmall func(name string, max int64) ([]byte, error)
	open      func(name string, size int64) (blob.Blob, error)
}

// BlobError is a problem with one blob of a layout being read.
type BlobError struct {
	Digest digest.Digest
	Err    error
}

func (e *BlobError) Error() string { return fmt.Sprintf("blob %s: %v", e.Digest, e.Err) }
func (e *BlobError) Unwrap() error { return e.Err }

type sizeError struct{ got, want int64 }

func (e *sizeError) Error() string {
	return fmt.Sprintf("%d bytes, descriptor says %d", e.got, e.want)
}

// maxDepth bounds nested indexes.
const maxDepth = 8

func (src source) read() (*Layout, error) {
	where := src.where
	ol, err := src.readSmall("oci-layout", 4096)
	if err != nil {
		return nil, fmt.Errorf("%s is not an OCI image layout: %w", where, unwrapPath(err))
	}
	var olv ocispec.ImageLayout
	if err := json.Unmarshal(ol, &olv); err != nil || olv.Version != ocispec.ImageLayoutVersion {
		return nil, fmt.Errorf("%s/oci-layout: unsupported layout version", where)
	}
	raw, err := src.readSmall("index.json", MaxJSONBytes)
	if err != nil {
		return nil, fmt.Errorf("%s/index.json: %w", where, unwrapPath(err))
	}
	l := New()
	if err := json.Unmarshal(raw, &l.Index); err != nil {
		return nil, fmt.Errorf("%s/index.json: %w", where, err)
	}
	sizes := map[digest.Digest]int64{}
	var walk func(d ocispec.Descriptor, depth int, isConfig bool) error
	walk = func(d ocispec.Descriptor, depth int, isConfig bool) error {
		if depth > maxDepth {
			return fmt.Errorf("%s: indexes nested too deeply", where)
		}
		if err := d.Digest.Validate(); err != nil {
			return fmt.Errorf("descriptor digest %q: %w", d.Digest, err)
		}
		if d.Size < 0 {
			return fmt.Errorf("blob %s: size %d out of range", d.Digest, d.Size)
		}
		if size, seen := sizes[d.Digest]; seen {
			if size != d.Size {
				return fmt.Errorf("blob %s: listed with sizes %d and %d", d.Digest, size, d.Size)
			}
			return nil
		}
		sizes[d.Digest] = d.Size
		isIndex := d.MediaType == ocispec.MediaTypeImageIndex || d.MediaType == "application/vnd.docker.distribution.manifest.list.v2+json"
		isManifest := d.MediaType == ocispec.MediaTypeImageManifest || d.MediaType == "application/vnd.docker.distribution.manifest.v2+json"
		if !isIndex && !isManifest && !isConfig {
			b, err := src.open(BlobPath(d.Digest), d.Size)
			if err != nil {
				return &BlobError{d.Digest, unwrapPath(err)}
			}
			l.Blobs[d.Digest] = blob.Verified(b, d.Digest)
			return nil
		}
		if d.Size > MaxJSONBytes {
			return &BlobError{d.Digest, fmt.Errorf("%d bytes is too large for a %s (at most %d)", d.Size, d.MediaType, MaxJSONBytes)}
		}
		data, err := src.readSmall(BlobPath(d.Digest), d.Size)
		if err != nil {
			var tl *inputfile.TooLargeError
			if errors.As(err, &tl) {
				return &BlobError{d.Digest, fmt.Errorf("more than the %d bytes its descriptor says", d.Size)}
			}
			return &BlobError{d.Digest, unwrapPath(err)}
		}
		if int64(len(data)) != d.Size {
			return &BlobError{d.Digest, &sizeError{int64(len(data)), d.Size}}
		}
		if got := d.Digest.Algorithm().FromBytes(data); got != d.Digest {
			return &BlobError{d.Digest, &blob.MismatchError{Want: d.Digest, Got: got}}
		}
		l.Blobs[d.Digest] = blob.Bytes(data)
		switch {
		case isIndex:
			var idx ocispec.Index
			if err := json.Unmarshal(data, &idx); err != nil {
				return fmt.Errorf("index %s: %w", d.Digest, err)
			}
			for _, m := range idx.Manifests {
				if err := walk(m, depth+1, false); err != nil {
					return err
				}
			}
		case isManifest:
			var m ocispec.Manifest
			if err := json.Unmarshal(data, &m); err != nil {
				return fmt.Errorf("manifest %s: %w", d.Digest, err)
			}
			if err := walk(m.Config, depth+1, true); err != nil {
				return err
			}
			for _, c := range m.Layers {
				if err := walk(c, depth+1, false); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, m := range l.Index.Manifests {
		if err := walk(m, 0, false); err != nil {
			return nil, err
		}
	}
	return l, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
