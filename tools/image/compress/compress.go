// Package compress compresses layer tarballs with fixed settings. The
// compressors come from github.com/klauspost/compress, whose version go.sum
// pins, so a layer's digest does not move when the Go SDK that builds the tool
// changes (the standard library's compress/flate may change between releases).
package compress

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
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

// Deflate output size is not monotonic in the level: on the 2 KiB tar of a
// 127-byte hello program, level 7 gives 172 bytes, level 9 173, level 5 177.
// So a small layer is compressed at every level and the smallest result kept
// (ties go to the higher level); above searchLimit the search costs more than
// it can save and the best-compression level is used alone.
const searchLimit = 1 << 20

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
// Small layers are compressed in memory (the gzip level search, zstd in one
// frame); larger ones stream through a fixed-setting encoder, so memory
// stays bounded whatever the size. Either way the bytes depend on the input
// alone. src must write exactly size bytes.
func Layer(a Algorithm, dst io.Writer, size int64, src func(w io.Writer) error) error {
	switch {
	case a == Gzip && size <= searchLimit:
		data, err := collect(size, src)
		if err != nil {
			return err
		}
		out, err := gzipSearch(data)
		if err != nil {
			return err
		}
		_, err = dst.Write(out)
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

// gzipSearch compresses data at every level and keeps the smallest output
// (ties to the higher level).
//
// The search's cost is not compressing a small layer but setting up nine
// encoders: each allocates and touches about a megabyte of tables. So:
// an encoder is kept per level and Reset for the next layer (a persistent
// worker builds many; a reset encoder's output is a fresh one's, tested),
// in a slot that survives collections (a sync.Pool empties at each one,
// and the search's garbage starts one about once per image: a worker then
// set up the nine encoders again, a hundred page faults, on most requests);
// the collector is paused for the search, whose garbage (bounded by the
// search limit) would otherwise trigger collections that cost more than the
// search; and two goroutines share the levels when two processors are
// free.
func gzipSearch(data []byte) ([]byte, error) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	var outs [10][]byte
	var errs [10]error
	run := func(levels []int) {
		for _, l := range levels {
			outs[l], errs[l] = gzipLevel(data, l)
		}
	}
	if runtime.GOMAXPROCS(0) > 1 {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); run([]int{8, 6, 4, 2}) }()
		run([]int{9, 7, 5, 3, 1})
		wg.Wait()
	} else {
		run([]int{9, 8, 7, 6, 5, 4, 3, 2, 1})
	}
	best := 0
	for l := 9; l >= 1; l-- {
		if errs[l] != nil {
			return nil, errs[l]
		}
		if best == 0 || len(outs[l]) < len(outs[best]) {
			best = l
		}
	}
	return outs[best], nil
}

// gzipWriters holds at most one idle encoder per level (some 10 MB in all
// while a process lives).
var gzipWriters [10]atomic.Pointer[gzip.Writer]

func gzipLevel(data []byte, level int) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(len(data)/2 + 64)
	w := gzipWriters[level].Swap(nil)
	if w == nil {
		var err error
		if w, err = gzip.NewWriterLevel(&b, level); err != nil {
			return nil, err
		}
	} else {
		w.Reset(&b)
	}
	// No name, no comment, mtime 0: the header carries nothing of the host.
	w.Header = gzip.Header{OS: gzipOS}
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	gzipWriters[level].CompareAndSwap(nil, w)
	return b.Bytes(), nil
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
