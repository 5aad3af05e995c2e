// Package compress compresses layer tarballs with fixed settings. A small
// gzip layer (the layers of tiny programs) is DEFLATEd by the tool's own
// encoder, tools/image/deflate; larger gzip layers and zstd come from
// github.com/klauspost/compress, whose version go.sum pins. Either way a
// layer's digest does not move when the Go SDK that builds the tool changes
// (the standard library's compress/flate may change between releases).
package compress

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/rules-tiny/rules_tiny/tools/image/deflate"
)

// Algorithm names a layer compression.
type Algorithm string

const (
	Gzip Algorithm = "gzip"
	Zstd Algorithm = "zstd"
	None Algorithm = "none"
)

// Parse accepts "gzip", "zstd" or "none".
func Parse(s string) (Algorithm, error) {
	switch a := Algorithm(s); a {
	case Gzip, Zstd, None:
		return a, nil
	}
	return "", fmt.Errorf("unknown compression %q (want gzip, zstd or none)", s)
}

// MediaType is the OCI layer media type for a tar compressed with a.
func (a Algorithm) MediaType() string {
	switch a {
	case Gzip:
		return ocispec.MediaTypeImageLayerGzip
	case Zstd:
		return ocispec.MediaTypeImageLayerZstd
	}
	return ocispec.MediaTypeImageLayer
}

// ownLimit is the largest layer the tool's own encoder takes: it writes
// smaller output than any level of the library's (tested), without the
// megabyte of tables per level that a library encoder touches; above it a
// layer streams through the library's best-compression level.
const ownLimit = deflate.MaxInput

// zstdWholeLimit is the largest tar compressed by zstd in one piece
// (EncodeAll, a single-segment frame); larger ones are streamed in blocks
// with a bounded window, so neither writing nor reading them needs the whole
// layer in memory. A variable so tests can cross it cheaply.
var zstdWholeLimit int64 = 64 << 20

// gzipOS is the OS byte of the gzip header: 255, "unknown", so the output
// does not claim the build host's operating system.
const gzipOS = 255

// Compress returns data compressed with a.
func Compress(a Algorithm, data []byte) ([]byte, error) {
	var b bytes.Buffer
	err := Layer(a, &b, int64(len(data)), func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
	return b.Bytes(), err
}

// Layer writes to dst the compression of the size bytes that src writes.
// Small layers are compressed in memory (gzip by the tool's own encoder,
// zstd in one frame); larger ones stream through a fixed-setting encoder, so memory
// stays bounded whatever the size. Either way the bytes depend on the input
// alone. src must write exactly size bytes.
func Layer(a Algorithm, dst io.Writer, size int64, src func(w io.Writer) error) error {
	switch {
	case a == Gzip && size <= ownLimit:
		data, err := collect(size, src)
		if err != nil {
			return err
		}
		_, err = dst.Write(gzipOwn(data))
		return err
	case a == Zstd && size <= zstdWholeLimit:
		data, err := collect(size, src)
		if err != nil {
			return err
		}
		enc, err := zstd.NewWriter(nil, zstdOptions()...)
		if err != nil {
			return err
		}
		defer enc.Close()
		_, err = dst.Write(enc.EncodeAll(data, nil))
		return err
	case a == None:
		return exactly(size, dst, src)
	case a == Gzip:
		w, err := gzip.NewWriterLevel(dst, gzip.BestCompression)
		if err != nil {
			return err
		}
		w.Header = gzip.Header{OS: gzipOS}
		if err := exactly(size, w, src); err != nil {
			return err
		}
		return w.Close()
	case a == Zstd:
		enc, err := zstd.NewWriter(nil, zstdOptions()...)
		if err != nil {
			return err
		}
		enc.ResetContentSize(dst, size)
		if err := exactly(size, enc, src); err != nil {
			enc.Close()
			return err
		}
		return enc.Close()
	}
	return fmt.Errorf("unknown compression %q", a)
}

// collect runs src into memory, checking it writes size bytes.
func collect(size int64, src func(io.Writer) error) ([]byte, error) {
	b := bytes.NewBuffer(make([]byte, 0, size))
	if err := exactly(size, b, src); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// exactly runs src into w and checks that it wrote size bytes.
func exactly(size int64, w io.Writer, src func(io.Writer) error) error {
	cw := &countWriter{w: w}
	if err := src(cw); err != nil {
		return err
	}
	if cw.n != size {
		return fmt.Errorf("layer tar is %d bytes, expected %d", cw.n, size)
	}
	return nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// gzipOwn wraps the tool's own DEFLATE stream of data in a gzip member
// (RFC 1952): no name, comment or mtime, XFL 2 (the slowest, smallest
// setting), OS 255, then the CRC-32 and length of data.
func gzipOwn(data []byte) []byte {
	body := deflate.Encode(data)
	out := make([]byte, 0, 10+len(body)+8)
	out = append(out, 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, gzipOS)
	out = append(out, body...)
	out = binary.LittleEndian.AppendUint32(out, crc32.ChecksumIEEE(data))
	return binary.LittleEndian.AppendUint32(out, uint32(len(data)))
}

// zstdOptions fixes every encoder setting that affects the output: a single
// thread, the best-compression level, the content size in the frame header
// and no trailing checksum (the blob's sha256 digest already covers it).
func zstdOptions() []zstd.EOption {
	return []zstd.EOption{
		zstd.WithEncoderConcurrency(1),
		zstd.WithEncoderLevel(zstd.SpeedBestCompression),
		zstd.WithEncoderCRC(false),
		zstd.WithSingleSegment(true),
		zstd.WithZeroFrames(true),
		zstd.WithEncoderPadding(1),
	}
}

// ByMediaType returns the algorithm of an OCI or Docker layer media type.
func ByMediaType(mediaType string) (Algorithm, error) {
	switch mediaType {
	//lint:ignore SA1019 foreign images still carry the deprecated non-distributable types
	case ocispec.MediaTypeImageLayerGzip, ocispec.MediaTypeImageLayerNonDistributableGzip,
		"application/vnd.docker.image.rootfs.diff.tar.gzip",
		"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip":
		return Gzip, nil
	//lint:ignore SA1019 foreign images still carry the deprecated non-distributable types
	case ocispec.MediaTypeImageLayerZstd, ocispec.MediaTypeImageLayerNonDistributableZstd:
		return Zstd, nil
	//lint:ignore SA1019 foreign images still carry the deprecated non-distributable types
	case ocispec.MediaTypeImageLayer, ocispec.MediaTypeImageLayerNonDistributable:
		return None, nil
	}
	return "", fmt.Errorf("unsupported layer media type %q", mediaType)
}

// Decompression bounds. A zstd frame asks its decoder for a history window
// (a single-segment frame: its whole content); more than maxWindow is
// refused, as the zstd command does by default (--memory=128MB). Our own
// frames need at most zstdWholeLimit.
const maxWindow = 128 << 20

// NewReader decompresses r as it is read, in bounded memory. The caller
// bounds the output (see LimitReader).
func NewReader(a Algorithm, r io.Reader) (io.ReadCloser, error) {
	switch a {
	case None:
		return io.NopCloser(r), nil
	case Gzip:
		return gzip.NewReader(r)
	case Zstd:
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(maxWindow), zstd.WithDecoderMaxMemory(maxWindow))
		if err != nil {
			return nil, err
		}
		return zstdReader{zr}, nil
	}
	return nil, fmt.Errorf("unknown compression %q", a)
}

type zstdReader struct{ *zstd.Decoder }

func (z zstdReader) Close() error { z.Decoder.Close(); return nil }

// ErrTooLarge is decompressed output over its limit.
type ErrTooLarge struct{ Limit int64 }

func (e *ErrTooLarge) Error() string {
	return fmt.Sprintf("decompresses to more than %d bytes (the limit)", e.Limit)
}

// LimitReader yields r's bytes and fails with *ErrTooLarge once more than
// limit bytes have been read: a decompression bomb stops there.
func LimitReader(r io.Reader, limit int64) io.Reader {
	return &limited{r: r, left: limit, limit: limit}
}

type limited struct {
	r           io.Reader
	left, limit int64
}

func (l *limited) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, &ErrTooLarge{l.limit}
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n, &ErrTooLarge{l.limit}
	}
	return n, err
}

// Decompress reverses Compress. limit bounds the output size so a hostile
// blob cannot exhaust memory.
func Decompress(a Algorithm, data []byte, limit int64) ([]byte, error) {
	r, err := NewReader(a, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(LimitReader(r, limit))
}
