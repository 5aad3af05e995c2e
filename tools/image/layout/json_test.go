package layout

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// jsonGen makes values of the document types with every member set, empty,
// nil or odd by turns, and strings that need every kind of escape.
type jsonGen struct{ r *rand.Rand }

var oddStrings = []string{
	"", "a", "hello:latest", "<&>", `quote " and \ backslash`, "tab\tnew\nline\rcr",
	"\b\f\x00\x01\x1f\x7f", "caf\u00e9", "\u2028\u2029", "\xff\xfe bad", "a\xc3", "emoji \U0001F600",
	"application/vnd.oci.image.layer.v1.tar+gzip", "/bin/sh", "PATH=/usr/bin", "80/tcp",
}

func (g jsonGen) str() string {
	if g.r.IntN(4) == 0 {
		b := make([]byte, g.r.IntN(12))
		for i := range b {
			b[i] = byte(g.r.IntN(256))
		}
		return string(b)
	}
	return oddStrings[g.r.IntN(len(oddStrings))]
}

func (g jsonGen) strs() []string {
	switch g.r.IntN(3) {
	case 0:
		return nil
	case 1:
		return []string{}
	}
	s := make([]string, 1+g.r.IntN(3))
	for i := range s {
		s[i] = g.str()
	}
	return s
}

func (g jsonGen) strMap() map[string]string {
	switch g.r.IntN(3) {
	case 0:
		return nil
	case 1:
		return map[string]string{}
	}
	m := map[string]string{}
	for range 1 + g.r.IntN(4) {
		m[g.str()] = g.str()
	}
	return m
}

func (g jsonGen) set() map[string]struct{} {
	switch g.r.IntN(3) {
	case 0:
		return nil
	case 1:
		return map[string]struct{}{}
	}
	m := map[string]struct{}{}
	for range 1 + g.r.IntN(3) {
		m[g.str()] = struct{}{}
	}
	return m
}

func (g jsonGen) time() *time.Time {
	if g.r.IntN(2) == 0 {
		return nil
	}
	t := time.Unix(g.r.Int64N(1<<34)-1<<33, int64(g.r.IntN(3))*int64(g.r.IntN(1e9))).In(time.FixedZone("z", (g.r.IntN(48)-24)*1800))
	return &t
}

func (g jsonGen) platform() ocispec.Platform {
	return ocispec.Platform{Architecture: g.str(), OS: g.str(), OSVersion: g.str(), OSFeatures: g.strs(), Variant: g.str()}
}

func (g jsonGen) descriptor() ocispec.Descriptor {
	d := ocispec.Descriptor{MediaType: g.str(), Digest: digest.Digest(g.str()), Size: g.r.Int64() - 1<<62,
		URLs: g.strs(), Annotations: g.strMap(), ArtifactType: g.str()}
	switch g.r.IntN(3) {
	case 0:
		d.Data = []byte{}
	case 1:
		d.Data = []byte(g.str())
	}
	if g.r.IntN(2) == 0 {
		p := g.platform()
		d.Platform = &p
	}
	return d
}

func (g jsonGen) descriptors() []ocispec.Descriptor {
	switch g.r.IntN(3) {
	case 0:
		return nil
	case 1:
		return []ocispec.Descriptor{}
	}
	ds := make([]ocispec.Descriptor, 1+g.r.IntN(3))
	for i := range ds {
		ds[i] = g.descriptor()
	}
	return ds
}

func (g jsonGen) subject() *ocispec.Descriptor {
	if g.r.IntN(2) == 0 {
		return nil
	}
	d := g.descriptor()
	return &d
}

func (g jsonGen) image() ocispec.Image {
	im := ocispec.Image{Created: g.time(), Author: g.str(), Platform: g.platform(),
		Config: ocispec.ImageConfig{User: g.str(), ExposedPorts: g.set(), Env: g.strs(), Entrypoint: g.strs(),
			Cmd: g.strs(), Volumes: g.set(), WorkingDir: g.str(), Labels: g.strMap(), StopSignal: g.str()},
		RootFS: ocispec.RootFS{Type: g.str()}}
	//lint:ignore SA1019 foreign configs still carry it, and the writer must write it as encoding/json does
	im.Config.ArgsEscaped = g.r.IntN(2) == 0
	if ids := g.strs(); ids != nil {
		im.RootFS.DiffIDs = []digest.Digest{}
		for _, s := range ids {
			im.RootFS.DiffIDs = append(im.RootFS.DiffIDs, digest.Digest(s))
		}
	}
	if g.r.IntN(3) > 0 {
		im.History = []ocispec.History{}
		for range g.r.IntN(3) {
			im.History = append(im.History, ocispec.History{Created: g.time(), CreatedBy: g.str(), Author: g.str(),
				Comment: g.str(), EmptyLayer: g.r.IntN(2) == 0})
		}
	}
	return im
}

func (g jsonGen) values() []any {
	v := specs.Versioned{SchemaVersion: g.r.IntN(5) - 1}
	var entries []dockerManifestEntry
	if g.r.IntN(3) > 0 {
		entries = []dockerManifestEntry{}
		for range g.r.IntN(3) {
			entries = append(entries, dockerManifestEntry{Config: g.str(), RepoTags: g.strs(), Layers: g.strs()})
		}
	}
	var repos map[string]map[string]string
	if g.r.IntN(3) > 0 {
		repos = map[string]map[string]string{}
		for range g.r.IntN(3) {
			repos[g.str()] = g.strMap()
		}
	}
	im := g.image()
	m := ocispec.Manifest{Versioned: v, MediaType: g.str(), ArtifactType: g.str(), Config: g.descriptor(),
		Layers: g.descriptors(), Subject: g.subject(), Annotations: g.strMap()}
	x := ocispec.Index{Versioned: v, MediaType: g.str(), ArtifactType: g.str(), Manifests: g.descriptors(),
		Subject: g.subject(), Annotations: g.strMap()}
	return []any{im, &im, m, &m, x, &x, entries, repos}
}

func TestMarshalWritesWhatEncodingJSONWrites(t *testing.T) {
	g := jsonGen{rand.New(rand.NewPCG(5, 6))}
	for i := 0; i < 3000; i++ {
		for _, v := range g.values() {
			got, gotErr := Marshal(v)
			want, wantErr := marshalReflect(v)
			if (gotErr != nil) != (wantErr != nil) {
				t.Fatalf("%T: error %v, encoding/json's %v", v, gotErr, wantErr)
			}
			if gotErr == nil && !bytes.Equal(got, want) {
				t.Fatalf("%T:\n got %s\nwant %s", v, got, want)
			}
		}
	}
}

// A year encoding/json cannot write is an error here too, not a document.
func TestMarshalRefusesATimeJSONCannotWrite(t *testing.T) {
	bad := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := Marshal(ocispec.Image{Created: &bad}); err == nil {
		t.Fatal("a config created in year 10000 was written")
	}
}

func FuzzMarshalString(f *testing.F) {
	for _, s := range oddStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := []dockerManifestEntry{{Config: s, RepoTags: []string{s}}}
		got, _ := Marshal(v)
		want, err := marshalReflect(v)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s want %s (%v)", s, got, want, err)
		}
	})
}

func ExampleMarshal() {
	b, _ := Marshal(ocispec.Index{Versioned: specs.Versioned{SchemaVersion: 2}, Manifests: []ocispec.Descriptor{}})
	fmt.Println(string(b))
	// Output: {"schemaVersion":2,"manifests":[]}
}
