// Package size measures ELF executables and OCI image layouts: where the
// bytes go. `tiny size --json` prints these reports; the Bazel size_test
// rule reads them, so the JSON field names below are a stable contract
// (fields may be added, never renamed or removed).
//
// ELF file (kind "elf"), from the ELF and program headers only, so stripped
// files without section headers work:
//
//	kind          "elf"
//	class         "elf32" | "elf64"
//	machine       e_machine as a platform architecture ("386", "amd64", ...) or "em<N>"
//	file_bytes    size of the file
//	header_bytes  ELF header + program header table + section header table
//	code_bytes    file bytes of executable PT_LOAD segments, minus headers
//	data_bytes    file bytes of other PT_LOAD segments, minus headers and code
//	other_bytes   file bytes in no segment and no header (section names, symbols, padding)
//	bss_bytes     memory-only bytes of PT_LOAD segments (p_memsz - p_filesz; not in the file)
//
// header_bytes + code_bytes + data_bytes + other_bytes == file_bytes.
//
// Image layout (kind "image"; a layout directory, or a tarball holding one
// such as `tiny image --tarball` writes, whose index.json names one image):
//
//	kind              "image"
//	platform          "os/arch[/variant]" from the config
//	manifest_digest   "sha256:..."
//	content_bytes     sum of regular file sizes in the layers (what `docker images` shows with the classic store)
//	tar_bytes         uncompressed layer tars
//	layer_bytes       layer blobs as stored (compressed)
//	config_bytes      config blob
//	manifest_bytes    manifest blob
//	total_blob_bytes  manifest_bytes + config_bytes + layer_bytes
//	layers            [{digest, media_type, content_bytes, tar_bytes, layer_bytes}]
//
// Image index layout (kind "index"; index.json names an image index):
//
//	kind              "index"
//	index_digest      "sha256:..."
//	index_bytes       the index blob
//	images            [image reports as above, one per platform]
//	content_bytes, tar_bytes, layer_bytes, config_bytes, manifest_bytes: sums over the images
//	total_blob_bytes  index_bytes + every distinct blob of the images, each counted once
//
// file_bytes is only in ELF reports; the image fields only in image and
// index reports. In every report the top-level numbers come before the
// nested "layers"/"images" arrays, so the first occurrence of a key in the
// JSON text is the top-level value (the size_test rule's shell script
// relies on this).
package size

import (
	"archive/tar"
	"bufio"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	tinyelf "github.com/rules-tiny/rules_tiny/tools/elf"
	"github.com/rules-tiny/rules_tiny/tools/image/compress"
	"github.com/rules-tiny/rules_tiny/tools/image/layout"
	"github.com/rules-tiny/rules_tiny/tools/image/platform"
	"github.com/rules-tiny/rules_tiny/tools/image/tarball"
)

// ELF is the breakdown of an ELF file.
type ELF struct {
	Kind        string `json:"kind"`
	Class       string `json:"class"`
	Machine     string `json:"machine"`
	FileBytes   int64  `json:"file_bytes"`
	HeaderBytes int64  `json:"header_bytes"`
	CodeBytes   int64  `json:"code_bytes"`
	DataBytes   int64  `json:"data_bytes"`
	OtherBytes  int64  `json:"other_bytes"`
	BSSBytes    int64  `json:"bss_bytes"`
}

// Layer is one layer of an image.
type Layer struct {
	Digest       digest.Digest `json:"digest"`
	MediaType    string        `json:"media_type"`
	ContentBytes int64         `json:"content_bytes"`
	TarBytes     int64         `json:"tar_bytes"`
	LayerBytes   int64         `json:"layer_bytes"`
}

// Image is the breakdown of a single-platform image.
type Image struct {
	Kind           string        `json:"kind"`
	Platform       string        `json:"platform"`
	ManifestDigest digest.Digest `json:"manifest_digest"`
	ContentBytes   int64         `json:"content_bytes"`
	TarBytes       int64         `json:"tar_bytes"`
	LayerBytes     int64         `json:"layer_bytes"`
	ConfigBytes    int64         `json:"config_bytes"`
	ManifestBytes  int64         `json:"manifest_bytes"`
	TotalBlobBytes int64         `json:"total_blob_bytes"`
	Layers         []Layer       `json:"layers"`
}

// Index is the breakdown of a multi-platform image index.
type Index struct {
	Kind           string        `json:"kind"`
	IndexDigest    digest.Digest `json:"index_digest"`
	IndexBytes     int64         `json:"index_bytes"`
	ContentBytes   int64         `json:"content_bytes"`
	TarBytes       int64         `json:"tar_bytes"`
	LayerBytes     int64         `json:"layer_bytes"`
	ConfigBytes    int64         `json:"config_bytes"`
	ManifestBytes  int64         `json:"manifest_bytes"`
	TotalBlobBytes int64         `json:"total_blob_bytes"`
	Images         []Image       `json:"images"`
}

// Of measures path: a layout directory, a tarball holding a layout, or an
// ELF file. The result is an *ELF, *Image or *Index. Anything but a
// directory or a regular file is refused before it is read.
func Of(path string) (any, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		l, err := layout.Read(path)
		if err != nil {
			return nil, err
		}
		return OfLayout(l)
	}
	head, err := readHead(path, 512)
	if err != nil {
		return nil, err
	}
	if len(head) >= 263 && string(head[257:262]) == "ustar" {
		l, err := layout.ReadTarball(path)
		if err != nil {
			return nil, err
		}
		return OfLayout(l)
	}
	if !tinyelf.IsELF(head) {
		return nil, fmt.Errorf("%s: neither an ELF file, an OCI image layout directory nor its tarball", path)
	}
	data, fileSize, err := tinyelf.ReadFile(path, tinyelf.Segments)
	if err != nil {
		return nil, err
	}
	r, err := ofELF(data, fileSize)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// readHead reads up to n bytes from the start of the regular file path.
func readHead(path string, n int) ([]byte, error) {
	f, err := tinyelf.OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, n)
	got, err := io.ReadFull(f, b)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, err
	}
	return b[:got], nil
}

// span is a half-open byte range of the file.
type span struct{ lo, hi int64 }

// OfELF measures an ELF image held in data.
func OfELF(data []byte) (*ELF, error) {
	return ofELF(data, int64(len(data)))
}

// ofELF measures an ELF file of fileSize bytes from its first bytes, which
// hold at least its headers (tinyelf.ReadFile). The headers are read under
// tools/elf's acceptance rules: a file may end inside its ELF header, and
// x86 files are read by e_machine (compact layouts keep program bytes in
// EI_CLASS and EI_DATA).
func ofELF(data []byte, fileSize int64) (*ELF, error) {
	h, err := tinyelf.ReadHeader(data)
	if err != nil {
		return nil, err
	}
	r := &ELF{Kind: "elf", Class: "elf32", FileBytes: fileSize}
	if h.Class == elf.ELFCLASS64 {
		r.Class = "elf64"
	}
	if p, err := platform.FromELF(data); err == nil {
		r.Machine = p.Architecture
	} else {
		r.Machine = fmt.Sprintf("em%d", uint16(h.Machine))
	}
	progs, err := tinyelf.ReadProgs(data, h)
	if err != nil {
		return nil, err
	}
	size := uint64(fileSize)
	phEnd := h.Phoff + uint64(len(progs))*h.PhdrSize()
	headers := []span{{0, int64(min(h.Size(), size))}, {int64(h.Phoff), int64(phEnd)}}
	if t, err := tinyelf.SectionTable(data, size, h); err == nil && t.Count > 0 {
		headers = append(headers, span{int64(t.Off), int64(t.End(h))})
	}
	var code, dat []span
	for _, p := range progs {
		if p.Type != elf.PT_LOAD {
			continue
		}
		if p.Memsz > p.Filesz {
			r.BSSBytes += int64(p.Memsz - p.Filesz)
		}
		// Linux tolerates p_filesz past the end of file; count what exists.
		lo, hi := min(p.Off, size), min(p.Off+p.Filesz, size)
		if p.Off+p.Filesz < p.Off {
			hi = size
		}
		if p.Flags&elf.PF_X != 0 {
			code = append(code, span{int64(lo), int64(hi)})
		} else {
			dat = append(dat, span{int64(lo), int64(hi)})
		}
	}
	counts := countOnce(fileSize, headers, code, dat)
	r.HeaderBytes, r.CodeBytes, r.DataBytes = counts[0], counts[1], counts[2]
	r.OtherBytes = r.FileBytes - r.HeaderBytes - r.CodeBytes - r.DataBytes
	return r, nil
}

// countOnce counts the bytes of [0, size) covered by each class of spans,
// each byte once, in the first class that covers it: a sweep over the
// sorted span boundaries, n log n in the number of spans.
func countOnce(size int64, classes ...[]span) []int64 {
	cuts := []int64{0, size}
	for _, c := range classes {
		for _, s := range c {
			cuts = append(cuts, s.lo, s.hi)
		}
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)
	// depth[c][i] changes by the spans of class c that start or end at cuts[i].
	depth := make([][]int, len(classes))
	for ci, c := range classes {
		depth[ci] = make([]int, len(cuts))
		for _, s := range c {
			if s.lo >= s.hi {
				continue
			}
			lo, _ := slices.BinarySearch(cuts, s.lo)
			hi, _ := slices.BinarySearch(cuts, s.hi)
			depth[ci][lo]++
			depth[ci][hi]--
		}
	}
	counts := make([]int64, len(classes))
	open := make([]int, len(classes))
	for i := 0; i+1 < len(cuts); i++ {
		for ci := range classes {
			open[ci] += depth[ci][i]
		}
		for ci := range classes {
			if open[ci] > 0 {
				counts[ci] += cuts[i+1] - cuts[i]
				break
			}
		}
	}
	return counts
}

// MaxLayerTarBytes bounds the decompressed size of a measured layer: a
// decompression bomb is stopped there with an error. Layers stream through
// the measurement, so the bound is on time, not memory.
const MaxLayerTarBytes = 4 << 30

// OfLayout measures a layout read by layout.Read.
func OfLayout(l *layout.Layout) (any, error) {
	if len(l.Index.Manifests) != 1 {
		return nil, fmt.Errorf("index.json lists %d manifests, want one image or one index", len(l.Index.Manifests))
	}
	d := l.Index.Manifests[0]
	switch d.MediaType {
	case ocispec.MediaTypeImageManifest:
		im, _, err := ofImage(l, d)
		return im, err
	case ocispec.MediaTypeImageIndex:
		return ofIndex(l, d)
	}
	return nil, fmt.Errorf("index.json names a %q, want an OCI image manifest or index", d.MediaType)
}

// ofImage measures one image and returns its manifest too.
func ofImage(l *layout.Layout, d ocispec.Descriptor) (*Image, *ocispec.Manifest, error) {
	raw, err := l.Bytes(d.Digest)
	if err != nil {
		return nil, nil, err
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, nil, fmt.Errorf("manifest %s: %w", d.Digest, err)
	}
	rawCfg, err := l.Bytes(m.Config.Digest)
	if err != nil {
		return nil, nil, err
	}
	var cfg ocispec.Image
	if err := json.Unmarshal(rawCfg, &cfg); err != nil {
		return nil, nil, fmt.Errorf("config %s: %w", m.Config.Digest, err)
	}
	r := &Image{
		Kind:           "image",
		Platform:       platform.String(cfg.Platform),
		ManifestDigest: d.Digest,
		ConfigBytes:    int64(len(rawCfg)),
		ManifestBytes:  int64(len(raw)),
		Layers:         []Layer{},
	}
	for _, ld := range m.Layers {
		lr, err := ofLayer(l, ld)
		if err != nil {
			return nil, nil, fmt.Errorf("layer %s: %w", ld.Digest, err)
		}
		r.Layers = append(r.Layers, lr)
		r.ContentBytes += lr.ContentBytes
		r.TarBytes += lr.TarBytes
		r.LayerBytes += lr.LayerBytes
	}
	r.TotalBlobBytes = r.ManifestBytes + r.ConfigBytes + r.LayerBytes
	return r, &m, nil
}

// ofLayer streams a layer blob through its decompressor and tar reader,
// counting as it goes: memory stays small whatever the layer's size, and the
// blob's digest is checked when its end is reached.
func ofLayer(l *layout.Layout, ld ocispec.Descriptor) (Layer, error) {
	alg, err := compress.ByMediaType(ld.MediaType)
	if err != nil {
		return Layer{}, err
	}
	b, ok := l.Blobs[ld.Digest]
	if !ok {
		return Layer{}, errors.New("not in the layout")
	}
	raw, err := b.Open()
	if err != nil {
		return Layer{}, err
	}
	defer raw.Close()
	zr, err := compress.NewReader(alg, raw)
	if err != nil {
		return Layer{}, fmt.Errorf("%s: %w", alg, err)
	}
	defer zr.Close()
	// Large reads from the decompressor: archive/tar skips file content
	// in small pieces.
	tarBytes := &countReader{r: compress.LimitReader(bufio.NewReaderSize(zr, 1<<20), MaxLayerTarBytes)}
	var content int64
	err = tarball.Walk(tarBytes, func(h *tar.Header, _ io.Reader) error {
		//lint:ignore SA1019 old archives still use TypeRegA for regular files
		if h.Typeflag == tar.TypeReg || h.Typeflag == tar.TypeRegA || h.Typeflag == tar.TypeCont {
			content += h.Size
		}
		return nil
	})
	if err != nil {
		return Layer{}, err
	}
	// The tar's length includes what follows its end marker (padding to
	// a record); then the compressed blob must end where its digest says.
	if _, err := io.Copy(io.Discard, tarBytes); err != nil {
		return Layer{}, err
	}
	if _, err := io.Copy(io.Discard, raw); err != nil {
		return Layer{}, err
	}
	return Layer{Digest: ld.Digest, MediaType: ld.MediaType, ContentBytes: content, TarBytes: tarBytes.n, LayerBytes: b.Size()}, nil
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func ofIndex(l *layout.Layout, d ocispec.Descriptor) (*Index, error) {
	raw, err := l.Bytes(d.Digest)
	if err != nil {
		return nil, err
	}
	var idx ocispec.Index
	if err := json.Unmarshal(raw, &idx); err != nil {
		return nil, fmt.Errorf("index %s: %w", d.Digest, err)
	}
	r := &Index{Kind: "index", IndexDigest: d.Digest, IndexBytes: int64(len(raw)), Images: []Image{}}
	distinct := map[digest.Digest]int64{}
	for _, md := range idx.Manifests {
		if md.MediaType != ocispec.MediaTypeImageManifest {
			return nil, fmt.Errorf("index %s lists a %q; nested indexes are not measured", d.Digest, md.MediaType)
		}
		im, m, err := ofImage(l, md)
		if err != nil {
			return nil, err
		}
		distinct[md.Digest] = im.ManifestBytes
		distinct[m.Config.Digest] = im.ConfigBytes
		for _, ly := range im.Layers {
			distinct[ly.Digest] = ly.LayerBytes
		}
		r.Images = append(r.Images, *im)
		r.ContentBytes += im.ContentBytes
		r.TarBytes += im.TarBytes
		r.LayerBytes += im.LayerBytes
		r.ConfigBytes += im.ConfigBytes
		r.ManifestBytes += im.ManifestBytes
	}
	r.TotalBlobBytes = r.IndexBytes
	for _, n := range distinct {
		r.TotalBlobBytes += n
	}
	return r, nil
}

// WriteText prints a report for people.
func WriteText(w io.Writer, report any) error {
	var err error
	p := func(format string, args ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format, args...)
		}
	}
	image := func(prefix string, im *Image) {
		p("%simage %s %s\n", prefix, im.Platform, im.ManifestDigest)
		p("%s  content (files)  %8d\n", prefix, im.ContentBytes)
		p("%s  layer tar        %8d\n", prefix, im.TarBytes)
		p("%s  layer blob       %8d\n", prefix, im.LayerBytes)
		p("%s  config           %8d\n", prefix, im.ConfigBytes)
		p("%s  manifest         %8d\n", prefix, im.ManifestBytes)
		p("%s  total blobs      %8d\n", prefix, im.TotalBlobBytes)
	}
	switch r := report.(type) {
	case *ELF:
		p("%s %s\n", r.Class, r.Machine)
		p("  headers  %8d\n  code     %8d\n  data     %8d\n  other    %8d\n  file     %8d\n  bss      %8d (memory only)\n",
			r.HeaderBytes, r.CodeBytes, r.DataBytes, r.OtherBytes, r.FileBytes, r.BSSBytes)
	case *Image:
		image("", r)
	case *Index:
		p("index %s\n  index            %8d\n", r.IndexDigest, r.IndexBytes)
		for i := range r.Images {
			image("  ", &r.Images[i])
		}
		p("  total blobs      %8d\n", r.TotalBlobBytes)
	default:
		return fmt.Errorf("unknown report %T", report)
	}
	return err
}
