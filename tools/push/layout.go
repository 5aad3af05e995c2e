package push

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/opencontainers/go-digest"

	"github.com/rules-tiny/rules_tiny/tools/image/blob"
	"github.com/rules-tiny/rules_tiny/tools/image/layout"
	"github.com/rules-tiny/rules_tiny/tools/internal/inputfile"
)

// A layout read by package layout (the project's one reader of OCI image
// layouts), seen as go-containerregistry's v1.ImageIndex and v1.Image for
// its remote package.
//
// go-containerregistry's own layout package refuses blobs that are symlinks,
// and in Bazel's runfiles trees and sandboxes every file is one. Package
// layout follows links to regular files (never to FIFOs or devices), and
// every blob is checked against its descriptor's digest and size before
// anything is uploaded, and again as it is uploaded: a link cannot
// substitute other content, whatever it points at.

// openLayout reads dir and checks every blob's digest.
func openLayout(dir string) (*layout.Layout, error) {
	l, err := layout.Read(dir)
	if err != nil {
		return nil, explainLayout(dir, err)
	}
	// Read to the end: layers are checked against their digests there.
	for d, b := range l.Blobs {
		if _, ok := b.(blob.Bytes); ok {
			continue // JSON, checked by layout.Read
		}
		r, err := b.Open()
		if err == nil {
			_, err = io.Copy(io.Discard, r)
			r.Close()
		}
		if err != nil {
			return nil, explainLayout(dir, &layout.BlobError{Digest: d, Err: err})
		}
	}
	return l, nil
}

// explainLayout words layout errors for people pushing.
func explainLayout(dir string, err error) error {
	var be *layout.BlobError
	if !errors.As(err, &be) {
		return fmt.Errorf("layout %s: %v", dir, err)
	}
	var me *blob.MismatchError
	switch {
	case errors.Is(be.Err, fs.ErrNotExist):
		return fmt.Errorf("layout %s is missing blob %s", dir, be.Digest)
	case errors.As(be.Err, &me):
		return fmt.Errorf("layout %s: blob %s has digest %s (corrupt layout)", dir, be.Digest, me.Got)
	}
	return fmt.Errorf("layout %s: blob %s: %v", dir, be.Digest, be.Err)
}

func sha256Hash(b []byte) v1.Hash {
	s := sha256.Sum256(b)
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(s[:])}
}

// layoutIndex is index.json itself, or an image index blob.
type layoutIndex struct {
	l      *layout.Layout
	dir    string
	raw    []byte
	digest v1.Hash
	mt     types.MediaType
	m      *v1.IndexManifest
	byHash map[v1.Hash]v1.Descriptor
}

func newIndex(l *layout.Layout, dir string, raw []byte, where string) (*layoutIndex, error) {
	var m v1.IndexManifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s is not an image index: %v", where, err)
	}
	mt := m.MediaType
	if mt == "" {
		mt = types.OCIImageIndex
	}
	byHash := make(map[v1.Hash]v1.Descriptor, len(m.Manifests))
	for _, d := range m.Manifests {
		if _, dup := byHash[d.Digest]; !dup {
			byHash[d.Digest] = d
		}
	}
	return &layoutIndex{l: l, dir: dir, raw: raw, digest: sha256Hash(raw), mt: mt, m: &m, byHash: byHash}, nil
}

// readIndexJSON reads the layout's index.json as bytes (its digest is what
// --index pushes), bounded like every JSON document of a layout.
func readIndexJSON(dir string) ([]byte, error) {
	return inputfile.ReadFile(filepath.Join(dir, "index.json"), true, layout.MaxJSONBytes)
}

func (i *layoutIndex) MediaType() (types.MediaType, error)       { return i.mt, nil }
func (i *layoutIndex) Digest() (v1.Hash, error)                  { return i.digest, nil }
func (i *layoutIndex) Size() (int64, error)                      { return int64(len(i.raw)), nil }
func (i *layoutIndex) IndexManifest() (*v1.IndexManifest, error) { return i.m.DeepCopy(), nil }
func (i *layoutIndex) RawManifest() ([]byte, error)              { return i.raw, nil }

func (i *layoutIndex) find(h v1.Hash) (v1.Descriptor, error) {
	if d, ok := i.byHash[h]; ok {
		return d, nil
	}
	return v1.Descriptor{}, fmt.Errorf("layout %s: %s is not listed in its index", i.dir, h)
}

func (i *layoutIndex) Image(h v1.Hash) (v1.Image, error) {
	d, err := i.find(h)
	if err != nil {
		return nil, err
	}
	li, err := i.image(d)
	if err != nil {
		return nil, err
	}
	return partial.CompressedToImage(li)
}

func (i *layoutIndex) ImageIndex(h v1.Hash) (v1.ImageIndex, error) {
	d, err := i.find(h)
	if err != nil {
		return nil, err
	}
	return i.index(d)
}

// bytes returns a JSON blob that layout.Read loaded and checked.
func (i *layoutIndex) bytes(h v1.Hash) ([]byte, error) {
	d, err := digest.Parse(h.String())
	if err != nil {
		return nil, err
	}
	b, err := i.l.Bytes(d)
	if err != nil {
		return nil, fmt.Errorf("layout %s: %v", i.dir, err)
	}
	return b, nil
}

func (i *layoutIndex) index(d v1.Descriptor) (*layoutIndex, error) {
	raw, err := i.bytes(d.Digest)
	if err != nil {
		return nil, err
	}
	idx, err := newIndex(i.l, i.dir, raw, fmt.Sprintf("layout %s: blob %s", i.dir, d.Digest))
	if err != nil {
		return nil, err
	}
	idx.mt = d.MediaType
	return idx, nil
}

// layoutImage is an image manifest blob; partial.CompressedToImage derives
// the rest of v1.Image from it.
type layoutImage struct {
	idx *layoutIndex
	raw []byte
	mt  types.MediaType
	m   *v1.Manifest
}

func (i *layoutIndex) image(d v1.Descriptor) (*layoutImage, error) {
	raw, err := i.bytes(d.Digest)
	if err != nil {
		return nil, err
	}
	var m v1.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("layout %s: manifest %s: %v", i.dir, d.Digest, err)
	}
	return &layoutImage{idx: i, raw: raw, mt: d.MediaType, m: &m}, nil
}

func (i *layoutImage) MediaType() (types.MediaType, error) { return i.mt, nil }
func (i *layoutImage) RawManifest() ([]byte, error)        { return i.raw, nil }
func (i *layoutImage) RawConfigFile() ([]byte, error)      { return i.idx.bytes(i.m.Config.Digest) }

func (i *layoutImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if h == i.m.Config.Digest {
		return i.idx.blob(i.m.Config)
	}
	for _, d := range i.m.Layers {
		if d.Digest == h {
			return i.idx.blob(d)
		}
	}
	return nil, fmt.Errorf("layout %s: %s is not a layer of this image", i.idx.dir, h)
}

func (i *layoutIndex) blob(d v1.Descriptor) (*layoutBlob, error) {
	dd, err := digest.Parse(d.Digest.String())
	if err != nil {
		return nil, err
	}
	b, ok := i.l.Blobs[dd]
	if !ok {
		return nil, fmt.Errorf("layout %s is missing blob %s", i.dir, d.Digest)
	}
	return &layoutBlob{b: b, d: d}, nil
}

type layoutBlob struct {
	b blob.Blob
	d v1.Descriptor
}

func (b *layoutBlob) Digest() (v1.Hash, error)            { return b.d.Digest, nil }
func (b *layoutBlob) Size() (int64, error)                { return b.d.Size, nil }
func (b *layoutBlob) MediaType() (types.MediaType, error) { return b.d.MediaType, nil }

// Compressed streams the blob; a blob that changed since it was checked
// fails at its end (blob.Verified), so the upload is not committed.
func (b *layoutBlob) Compressed() (io.ReadCloser, error) { return b.b.Open() }

// checkDir rejects what is not an OCI image layout directory with a message
// saying what is missing, before anything is read.
func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("layout directory: %v", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory (an OCI image layout is a directory with oci-layout and index.json)", dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "oci-layout")); err != nil {
		return fmt.Errorf("%s is not an OCI image layout: %v", dir, err)
	}
	return nil
}
