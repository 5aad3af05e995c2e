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
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/rules-tiny/rules_tiny/tools/image/compress"
	"github.com/rules-tiny/rules_tiny/tools/image/layout"
	"github.com/rules-tiny/rules_tiny/tools/image/platform"
	"github.com/rules-tiny/rules_tiny/tools/image/tarball"
	"github.com/rules-tiny/rules_tiny/tools/internal/inputfile"
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

// MaxELFBytes bounds the ELF files measured (they are read into memory).
const MaxELFBytes = 1 << 30

// Of measures path: a layout directory, a tarball holding a layout, or an
// ELF file. The result is an *ELF, *Image or *Index. Anything but a
// directory or a regular file (a FIFO, a device) is refused unread.
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
	f, fi, err := inputfile.Open(path, true)
	if err != nil {
		return nil, err
	}
	head := make([]byte, 263)
	n, err := io.ReadFull(f, head)
	f.Close()
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, err
	}
	if head = head[:n]; len(head) >= 263 && string(head[257:262]) == "ustar" {
		l, err := layout.ReadTarball(path)
		if err != nil {
			return nil, err
		}
		return OfLayout(l)
	}
	if !platform.IsELF(head) {
		return nil, fmt.Errorf("%s: neither an ELF file, an OCI image layout directory nor its tarball", path)
	}
	data, err := inputfile.ReadFile(path, true, MaxELFBytes)
	if err != nil {
		return nil, err
	}
	r, err := OfELF(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// span is a half-open byte range of the file.
type span struct{ lo, hi int64 }

// OfELF measures an ELF image held in data.
func OfELF(data []byte) (*ELF, error) {
	if !platform.IsELF(data) {
		return nil, errors.New("not an ELF file")
	}
	// Golfed files may end inside the ELF header (Linux reads the missing
	// bytes as zeros), so parse a zero-padded copy of the header.
	hdr := make([]byte, 64)
	copy(hdr, data)
	// Compact layouts (tiny link --compact) keep program bytes in EI_CLASS and
	// EI_DATA; x86 loaders go by e_machine alone, and so does this.
	class, enc := hdr[4], hdr[5]
	switch binary.LittleEndian.Uint16(hdr[18:]) {
	case 3: // EM_386
		class, enc = 1, 1
	case 62: // EM_X86_64 (ELFCLASS32 would be x32)
		if class != 1 {
			class = 2
		}
		enc = 1
	}
	var bo binary.ByteOrder
	switch enc {
	case 1:
		bo = binary.LittleEndian
	case 2:
		bo = binary.BigEndian
	default:
		return nil, fmt.Errorf("ELF data encoding %d unknown", hdr[5])
	}
	r := &ELF{Kind: "elf", FileBytes: int64(len(data))}
	var phoff, shoff uint64
	var ehsize, phentsize, phnum, shentsize, shnum, wantPhent uint64
	switch class {
	case 1:
		r.Class = "elf32"
		phoff, shoff = uint64(bo.Uint32(hdr[28:])), uint64(bo.Uint32(hdr[32:]))
		ehsize, wantPhent = 52, 32
		phentsize, phnum = uint64(bo.Uint16(hdr[42:])), uint64(bo.Uint16(hdr[44:]))
		shentsize, shnum = uint64(bo.Uint16(hdr[46:])), uint64(bo.Uint16(hdr[48:]))
	case 2:
		r.Class = "elf64"
		phoff, shoff = bo.Uint64(hdr[32:]), bo.Uint64(hdr[40:])
		ehsize, wantPhent = 64, 56
		phentsize, phnum = uint64(bo.Uint16(hdr[54:])), uint64(bo.Uint16(hdr[56:]))
		shentsize, shnum = uint64(bo.Uint16(hdr[58:])), uint64(bo.Uint16(hdr[60:]))
	default:
		return nil, fmt.Errorf("ELF class %d unknown", hdr[4])
	}
	machine := bo.Uint16(hdr[18:])
	if p, err := platform.FromELF(hdr); err == nil {
		r.Machine = p.Architecture
	} else {
		r.Machine = fmt.Sprintf("em%d", machine)
	}
	size := uint64(len(data))
	if phnum > 0 && phentsize != wantPhent {
		return nil, fmt.Errorf("e_phentsize %d, want %d", phentsize, wantPhent)
	}
	if phoff > size || phnum*wantPhent > size-phoff {
		return nil, fmt.Errorf("program header table (offset %d, %d entries) runs past the end of the %d-byte file", phoff, phnum, size)
	}
	headers := []span{{0, int64(min(ehsize, size))}, {int64(phoff), int64(phoff + phnum*wantPhent)}}
	if shnum > 0 && shoff > 0 && shoff <= size && shentsize > 0 && shnum*shentsize <= size-shoff {
		headers = append(headers, span{int64(shoff), int64(shoff + shnum*shentsize)})
	}
	var code, dat []span
	for i := uint64(0); i < phnum; i++ {
		ph := data[phoff+i*wantPhent:]
		var typ, flags uint32
		var off, filesz, memsz uint64
		if r.Class == "elf32" {
			typ, off, filesz, memsz, flags = bo.Uint32(ph), uint64(bo.Uint32(ph[4:])), uint64(bo.Uint32(ph[16:])), uint64(bo.Uint32(ph[20:])), bo.Uint32(ph[24:])
		} else {
			typ, flags, off, filesz, memsz = bo.Uint32(ph), bo.Uint32(ph[4:]), bo.Uint64(ph[8:]), bo.Uint64(ph[32:]), bo.Uint64(ph[40:])
		}
		if typ != 1 { // PT_LOAD
			continue
		}
		if memsz > filesz {
			r.BSSBytes += int64(memsz - filesz)
		}
		// Linux tolerates p_filesz past the end of file; count what exists.
		lo, hi := min(off, size), min(off+filesz, size)
		if off+filesz < off {
			hi = size
		}
		if flags&1 != 0 { // PF_X
			code = append(code, span{int64(lo), int64(hi)})
		} else {
			dat = append(dat, span{int64(lo), int64(hi)})
		}
	}
	// Each byte counts once, in the first class that covers it.
	classes := [][]span{headers, code, dat}
	counts := make([]int64, 3)
	cuts := []int64{0, int64(size)}
	for _, c := range classes {
		for _, s := range c {
			cuts = append(cuts, s.lo, s.hi)
		}
	}
	sort.Slice(cuts, func(i, j int) bool { return cuts[i] < cuts[j] })
	for i := 0; i+1 < len(cuts); i++ {
		lo, hi := cuts[i], cuts[i+1]
		if lo == hi {
			continue
		}
	classify:
		for ci, c := range classes {
			for _, s := range c {
				if s.lo <= lo && hi <= s.hi {
					counts[ci] += hi - lo
					break classify
				}
			}
		}
	}
	r.HeaderBytes, r.CodeBytes, r.DataBytes = counts[0], counts[1], counts[2]
	r.OtherBytes = r.FileBytes - r.HeaderBytes - r.CodeBytes - r.DataBytes
	return r, nil
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
		if h.Typeflag == tar.TypeReg || h.Typeflag == tar.TypeRegA || h.Typeflag == tar.TypeCont { //nolint:staticcheck
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
	var image func(prefix string, im *Image)
	image = func(prefix string, im *Image) {
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
