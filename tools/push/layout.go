package push

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// A read-only OCI image layout, as go-containerregistry's v1.ImageIndex and
// v1.Image for its remote package.
//
// go-containerregistry's own layout package refuses blobs that are symlinks,
// and in Bazel's runfiles trees and sandboxes every file is one. So blobs are
// read through symlinks here, and every blob's bytes are checked against the
// digest and size its descriptor gives before anything is uploaded: a link
// cannot substitute other content, whatever it points at.

type layoutDir string

func (l layoutDir) blobPath(h v1.Hash) string {
	return filepath.Join(string(l), "blobs", h.Algorithm, h.Hex)
}

// readBlob reads a whole (small, JSON) blob and checks it against d.
func (l layoutDir) readBlob(d v1.Descriptor) ([]byte, error) {
	if d.Digest.Algorithm != "sha256" {
		return nil, fmt.Errorf("layout %s: blob %s: only sha256 digests are supported", l, d.Digest)
	}
	b, err := os.ReadFile(l.blobPath(d.Digest))
	if err != nil {
		return nil, fmt.Errorf("layout %s is missing blob %s: %v", l, d.Digest, err)
	}
	if int64(len(b)) != d.Size {
		return nil, fmt.Errorf("layout %s: blob %s has %d bytes, its descriptor says %d", l, d.Digest, len(b), d.Size)
	}
	if got := sha256Hash(b); got != d.Digest {
		return nil, fmt.Errorf("layout %s: blob %s has digest %s (corrupt layout)", l, d.Digest, got)
	}
	return b, nil
}

// verifyBlob hashes a (possibly large) blob file and checks it against d.
func (l layoutDir) verifyBlob(d v1.Descriptor) error {
	if d.Digest.Algorithm != "sha256" {
		return fmt.Errorf("layout %s: blob %s: only sha256 digests are supported", l, d.Digest)
	}
	f, err := os.Open(l.blobPath(d.Digest))
	if err != nil {
		return fmt.Errorf("layout %s is missing blob %s: %v", l, d.Digest, err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return fmt.Errorf("layout %s: reading blob %s: %v", l, d.Digest, err)
	}
	if n != d.Size {
		return fmt.Errorf("layout %s: blob %s has %d bytes, its descriptor says %d", l, d.Digest, n, d.Size)
	}
	if got := (v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}); got != d.Digest {
		return fmt.Errorf("layout %s: blob %s has digest %s (corrupt layout)", l, d.Digest, got)
	}
	return nil
}

func sha256Hash(b []byte) v1.Hash {
	s := sha256.Sum256(b)
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(s[:])}
}

// layoutIndex is index.json itself, or an image index blob.
type layoutIndex struct {
	l      layoutDir
	raw    []byte
	digest v1.Hash
	mt     types.MediaType
	m      *v1.IndexManifest
}

func newIndex(l layoutDir, raw []byte, where string) (*layoutIndex, error) {
	var m v1.IndexManifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s is not an image index: %v", where, err)
	}
	mt := m.MediaType
	if mt == "" {
		mt = types.OCIImageIndex
	}
	return &layoutIndex{l: l, raw: raw, digest: sha256Hash(raw), mt: mt, m: &m}, nil
}

func (i *layoutIndex) MediaType() (types.MediaType, error)       { return i.mt, nil }
func (i *layoutIndex) Digest() (v1.Hash, error)                  { return i.digest, nil }
func (i *layoutIndex) Size() (int64, error)                      { return int64(len(i.raw)), nil }
func (i *layoutIndex) IndexManifest() (*v1.IndexManifest, error) { return i.m.DeepCopy(), nil }
func (i *layoutIndex) RawManifest() ([]byte, error)              { return i.raw, nil }

func (i *layoutIndex) find(h v1.Hash) (v1.Descriptor, error) {
	for _, d := range i.m.Manifests {
		if d.Digest == h {
			return d, nil
		}
	}
	return v1.Descriptor{}, fmt.Errorf("layout %s: %s is not listed in its index", i.l, h)
}

func (i *layoutIndex) Image(h v1.Hash) (v1.Image, error) {
	d, err := i.find(h)
	if err != nil {
		return nil, err
	}
	return i.l.image(d)
}

func (i *layoutIndex) ImageIndex(h v1.Hash) (v1.ImageIndex, error) {
	d, err := i.find(h)
	if err != nil {
		return nil, err
	}
	return i.l.index(d)
}

func (l layoutDir) index(d v1.Descriptor) (*layoutIndex, error) {
	raw, err := l.readBlob(d)
	if err != nil {
		return nil, err
	}
	idx, err := newIndex(l, raw, fmt.Sprintf("layout %s: blob %s", l, d.Digest))
	if err != nil {
		return nil, err
	}
	idx.mt = d.MediaType
	return idx, nil
}

// layoutImage is an image manifest blob; partial.CompressedToImage derives
// the rest of v1.Image from it.
type layoutImage struct {
	l   layoutDir
	raw []byte
	mt  types.MediaType
	m   *v1.Manifest
}

func (l layoutDir) image(d v1.Descriptor) (v1.Image, error) {
	li, err := l.imageCore(d)
	if err != nil {
		return nil, err
	}
	return partial.CompressedToImage(li)
}

func (l layoutDir) imageCore(d v1.Descriptor) (*layoutImage, error) {
	raw, err := l.readBlob(d)
	if err != nil {
		return nil, err
	}
	var m v1.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("layout %s: manifest %s: %v", l, d.Digest, err)
	}
	return &layoutImage{l: l, raw: raw, mt: d.MediaType, m: &m}, nil
}

func (i *layoutImage) MediaType() (types.MediaType, error) { return i.mt, nil }
func (i *layoutImage) RawManifest() ([]byte, error)        { return i.raw, nil }
func (i *layoutImage) RawConfigFile() ([]byte, error)      { return i.l.readBlob(i.m.Config) }

func (i *layoutImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if h == i.m.Config.Digest {
		return &layoutBlob{l: i.l, d: i.m.Config}, nil
	}
	for _, d := range i.m.Layers {
		if d.Digest == h {
			return &layoutBlob{l: i.l, d: d}, nil
		}
	}
	return nil, fmt.Errorf("layout %s: %s is not a layer of this image", i.l, h)
}

type layoutBlob struct {
	l layoutDir
	d v1.Descriptor
}

func (b *layoutBlob) Digest() (v1.Hash, error)            { return b.d.Digest, nil }
func (b *layoutBlob) Size() (int64, error)                { return b.d.Size, nil }
func (b *layoutBlob) MediaType() (types.MediaType, error) { return b.d.MediaType, nil }
func (b *layoutBlob) Compressed() (io.ReadCloser, error)  { return os.Open(b.l.blobPath(b.d.Digest)) }

// verify checks every blob an index reaches, before any upload.
func (i *layoutIndex) verify() error {
	for _, d := range i.m.Manifests {
		switch {
		case d.MediaType.IsIndex():
			child, err := i.l.index(d)
			if err != nil {
				return err
			}
			if err := child.verify(); err != nil {
				return err
			}
		case d.MediaType.IsImage():
			img, err := i.l.imageCore(d)
			if err != nil {
				return err
			}
			if err := img.verify(); err != nil {
				return err
			}
		default:
			if err := i.l.verifyBlob(d); err != nil {
				return err
			}
		}
	}
	return nil
}

func (i *layoutImage) verify() error {
	if _, err := i.l.readBlob(i.m.Config); err != nil {
		return err
	}
	for _, d := range i.m.Layers {
		if err := i.l.verifyBlob(d); err != nil {
			return err
		}
	}
	return nil
}
