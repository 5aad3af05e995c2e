package image

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/rules-tiny/rules_tiny/tools/image/layout"
	"github.com/rules-tiny/rules_tiny/tools/image/platform"
	"github.com/rules-tiny/rules_tiny/tools/image/reference"
)

// Single is one single-platform image read from a layout.
type Single struct {
	Manifest ocispec.Descriptor
	Config   ocispec.Image
	Layers   []digest.Digest
	ConfigD  digest.Digest
}

// SingleImage returns the one image manifest a layout's index.json names.
func SingleImage(l *layout.Layout) (*Single, error) {
	if len(l.Index.Manifests) != 1 {
		return nil, fmt.Errorf("index.json lists %d manifests, want exactly one image", len(l.Index.Manifests))
	}
	d := l.Index.Manifests[0]
	if d.MediaType != ocispec.MediaTypeImageManifest {
		return nil, fmt.Errorf("index.json names a %s, want an image manifest", d.MediaType)
	}
	raw, err := l.Bytes(d.Digest)
	if err != nil {
		return nil, err
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", d.Digest, err)
	}
	s := &Single{Manifest: ocispec.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}, ConfigD: m.Config.Digest}
	rawCfg, err := l.Bytes(m.Config.Digest)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(rawCfg, &s.Config); err != nil {
		return nil, fmt.Errorf("config %s: %w", m.Config.Digest, err)
	}
	if s.Config.OS == "" || s.Config.Architecture == "" {
		return nil, fmt.Errorf("config %s has no os/architecture", m.Config.Digest)
	}
	for _, ld := range m.Layers {
		s.Layers = append(s.Layers, ld.Digest)
	}
	return s, nil
}

// BuildIndex combines single-platform image layouts into one layout whose
// index.json names an OCI image index (a multi-platform manifest list). The
// index lists the images sorted by platform, so the argument order does not
// matter; two images of one platform are an error. For docker's
// manifest.json (one image per tag in the classic store) the linux/amd64
// image is chosen if present, else the first by platform.
func BuildIndex(images []*layout.Layout, tag string) (*Result, error) {
	if len(images) == 0 {
		return nil, fmt.Errorf("no images to index")
	}
	var ref *reference.Ref
	if tag != "" {
		r, err := reference.Parse(tag)
		if err != nil {
			return nil, err
		}
		ref = &r
	}
	out := layout.New()
	type member struct {
		plat ocispec.Platform
		s    *Single
	}
	var members []member
	seen := map[string]bool{}
	for i, l := range images {
		s, err := SingleImage(l)
		if err != nil {
			return nil, fmt.Errorf("image %d: %w", i+1, err)
		}
		p := s.Config.Platform
		p = ocispec.Platform{OS: p.OS, Architecture: p.Architecture, Variant: p.Variant, OSVersion: p.OSVersion}
		key := platform.String(p) + "@" + p.OSVersion
		if seen[key] {
			return nil, fmt.Errorf("image %d: a second image for platform %s", i+1, platform.String(p))
		}
		seen[key] = true
		for d, b := range l.Blobs {
			out.Blobs[d] = b
		}
		members = append(members, member{p, s})
	}
	sort.Slice(members, func(i, j int) bool {
		return platform.String(members[i].plat)+"@"+members[i].plat.OSVersion < platform.String(members[j].plat)+"@"+members[j].plat.OSVersion
	})
	idx := ocispec.Index{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: ocispec.MediaTypeImageIndex,
	}
	docker := 0
	for i, m := range members {
		d := m.s.Manifest
		p := m.plat
		d.Platform = &p
		idx.Manifests = append(idx.Manifests, d)
		if p.OS == "linux" && p.Architecture == "amd64" && p.Variant == "" {
			docker = i
		}
	}
	desc, err := out.AddJSON(ocispec.MediaTypeImageIndex, idx)
	if err != nil {
		return nil, err
	}
	var tags []string
	if ref != nil {
		desc.Annotations = refAnnotations(*ref)
		tags = []string{ref.String()}
	}
	out.Index.MediaType = ocispec.MediaTypeImageIndex
	out.Index.Manifests = []ocispec.Descriptor{desc}
	chosen := members[docker].s
	out.Docker = []layout.DockerImage{{Config: chosen.ConfigD, RepoTags: tags, Layers: chosen.Layers}}
	return &Result{Layout: out, Manifest: desc}, nil
}
