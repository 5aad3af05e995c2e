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
package layout

import (
	"archive/tar"
	"bytes"
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

	"github.com/rules-tiny/rules_tiny/tools/image/tarball"
	"github.com/rules-tiny/rules_tiny/tools/internal/atomicfile"
)

// Layout is an OCI image layout: its index.json and the blobs it reaches.
type Layout struct {
	Index ocispec.Index
	Blobs map[digest.Digest][]byte
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
		Blobs: map[digest.Digest][]byte{},
	}
}

// Marshal encodes v as compact JSON without HTML escaping (so "<" stays
// "<"); struct fields come out in declaration order and map keys sorted,
// which makes the bytes a function of the value.
func Marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// AddBlob stores data and returns its descriptor with the given media type.
func (l *Layout) AddBlob(mediaType string, data []byte) ocispec.Descriptor {
	d := digest.FromBytes(data)
	l.Blobs[d] = data
	return ocispec.Descriptor{MediaType: mediaType, Digest: d, Size: int64(len(data))}
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
// archive format) as path -> bytes.
func (l *Layout) files(withDocker bool) (map[string][]byte, error) {
	index, err := Marshal(l.Index)
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{
		"oci-layout": []byte(ociLayoutFile),
		"index.json": index,
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
		out["manifest.json"] = m
		if len(repos) > 0 {
			r, err := Marshal(repos)
			if err != nil {
				return nil, err
			}
			out["repositories"] = r
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
			if err := os.WriteFile(p, files[name], 0o644); err != nil {
				return err
			}
			// Explicit, so the umask does not decide.
			if err := os.Chmod(p, 0o644); err != nil {
				return err
			}
		}
		return nil
	})
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

// TarballBytes returns the tarball form: the layout plus docker's files,
// with directory entries for blobs/ and blobs/sha256/.
func (l *Layout) TarballBytes() ([]byte, error) {
	files, err := l.files(true)
	if err != nil {
		return nil, err
	}
	dirs := map[string]bool{}
	var entries []tarball.Entry
	for name, data := range files {
		for d := filepath.ToSlash(filepath.Dir(name)); d != "."; d = filepath.ToSlash(filepath.Dir(d)) {
			dirs[d] = true
		}
		entries = append(entries, tarball.Entry{Name: name, Type: tarball.Regular, Mode: 0o644, Data: data})
	}
	for d := range dirs {
		entries = append(entries, tarball.Entry{Name: d, Type: tarball.Directory, Mode: 0o755})
	}
	return tarball.Bytes(entries, 0)
}

// WriteTarball writes the tarball form at path atomically.
func (l *Layout) WriteTarball(path string) error {
	data, err := l.TarballBytes()
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, data, 0o644)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// MaxBlobBytes bounds what Read loads into memory per blob.
const MaxBlobBytes = 1 << 30

// Read loads a layout directory: index.json and every blob reachable from
// it (manifests, configs, layers, nested indexes), checking each blob's size
// and digest. Blobs not reachable from index.json are not loaded.
func Read(dir string) (*Layout, error) {
	return read(dir, func(name string) ([]byte, error) {
		return os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	})
}

// ReadTarball loads the layout held in a tarball (ours, `docker save` since
// Docker 25, or any OCI archive), with the same checks as Read.
func ReadTarball(path string) (*Layout, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	files := map[string][]byte{}
	tr := tar.NewReader(f)
	var total int64
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		if total += h.Size; h.Size > MaxBlobBytes || total > 4*MaxBlobBytes {
			return nil, fmt.Errorf("%s: too large to measure", path)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		files[strings.TrimPrefix(pathpkg.Clean(h.Name), "./")] = data
	}
	return read(path, func(name string) ([]byte, error) {
		if b, ok := files[name]; ok {
			return b, nil
		}
		return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
	})
}

func read(where string, readFile func(name string) ([]byte, error)) (*Layout, error) {
	ol, err := readFile("oci-layout")
	if err != nil {
		return nil, fmt.Errorf("%s is not an OCI image layout: %w", where, err)
	}
	var olv ocispec.ImageLayout
	if err := json.Unmarshal(ol, &olv); err != nil || olv.Version != ocispec.ImageLayoutVersion {
		return nil, fmt.Errorf("%s/oci-layout: unsupported layout version", where)
	}
	raw, err := readFile("index.json")
	if err != nil {
		return nil, err
	}
	l := New()
	if err := json.Unmarshal(raw, &l.Index); err != nil {
		return nil, fmt.Errorf("%s/index.json: %w", where, err)
	}
	var walk func(d ocispec.Descriptor, depth int) error
	walk = func(d ocispec.Descriptor, depth int) error {
		if depth > 8 {
			return fmt.Errorf("%s: indexes nested too deeply", where)
		}
		if _, seen := l.Blobs[d.Digest]; seen {
			return nil
		}
		data, err := readBlob(readFile, d)
		if err != nil {
			return err
		}
		l.Blobs[d.Digest] = data
		switch d.MediaType {
		case ocispec.MediaTypeImageIndex, "application/vnd.docker.distribution.manifest.list.v2+json":
			var idx ocispec.Index
			if err := json.Unmarshal(data, &idx); err != nil {
				return fmt.Errorf("index %s: %w", d.Digest, err)
			}
			for _, m := range idx.Manifests {
				if err := walk(m, depth+1); err != nil {
					return err
				}
			}
		case ocispec.MediaTypeImageManifest, "application/vnd.docker.distribution.manifest.v2+json":
			var m ocispec.Manifest
			if err := json.Unmarshal(data, &m); err != nil {
				return fmt.Errorf("manifest %s: %w", d.Digest, err)
			}
			for _, c := range append([]ocispec.Descriptor{m.Config}, m.Layers...) {
				if err := walk(c, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, m := range l.Index.Manifests {
		if err := walk(m, 0); err != nil {
			return nil, err
		}
	}
	return l, nil
}

func readBlob(readFile func(string) ([]byte, error), d ocispec.Descriptor) ([]byte, error) {
	if err := d.Digest.Validate(); err != nil {
		return nil, fmt.Errorf("descriptor digest %q: %w", d.Digest, err)
	}
	if d.Size < 0 || d.Size > MaxBlobBytes {
		return nil, fmt.Errorf("blob %s: size %d out of range", d.Digest, d.Size)
	}
	data, err := readFile(BlobPath(d.Digest))
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", d.Digest, unwrapPath(err))
	}
	if int64(len(data)) != d.Size {
		return nil, fmt.Errorf("blob %s: %d bytes, descriptor says %d", d.Digest, len(data), d.Size)
	}
	if d.Digest.Algorithm().FromBytes(data) != d.Digest {
		return nil, fmt.Errorf("blob %s: content does not match its digest", d.Digest)
	}
	return data, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
