// Package compress compresses layer tarballs with fixed settings. The
// compressors come from github.com/klauspost/compress, whose version go.sum
// pins, so a layer's digest does not move when the Go SDK that builds the tool
// changes (the standard library's compress/flate may change between releases).
package compress

import (
	"bytes"
	"fmt"
	"io"

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

// gzipOS is the OS byte of the gzip header: 255, "unknown", so the output
// does not claim the build host's operating system.
const gzipOS = 255

// Compress returns data compressed with a.
func Compress(a Algorithm, data []byte) ([]byte, error) {
	switch a {
	case None:
		return append([]byte(nil), data...), nil
	case Gzip:
		levels := []int{gzip.BestCompression}
		if len(data) <= searchLimit {
			levels = []int{9, 8, 7, 6, 5, 4, 3, 2, 1}
		}
		var best []byte
		for _, l := range levels {
			out, err := gzipLevel(data, l)
			if err != nil {
				return nil, err
			}
			if best == nil || len(out) < len(best) {
				best = out
			}
		}
		return best, nil
	case Zstd:
		enc, err := zstd.NewWriter(nil, zstdOptions()...)
		if err != nil {
			return nil, err
		}
		defer enc.Close()
		return enc.EncodeAll(data, nil), nil
	}
	return nil, fmt.Errorf("unknown compression %q", a)
}

func gzipLevel(data []byte, level int) ([]byte, error) {
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, level)
	if err != nil {
		return nil, err
	}
	// No name, no comment, mtime 0: the header carries nothing of the host.
	w.Header = gzip.Header{OS: gzipOS}
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
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
	case ocispec.MediaTypeImageLayerGzip, ocispec.MediaTypeImageLayerNonDistributableGzip, //nolint:staticcheck
		"application/vnd.docker.image.rootfs.diff.tar.gzip",
		"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip":
		return Gzip, nil
	case ocispec.MediaTypeImageLayerZstd, ocispec.MediaTypeImageLayerNonDistributableZstd: //nolint:staticcheck
		return Zstd, nil
	case ocispec.MediaTypeImageLayer, ocispec.MediaTypeImageLayerNonDistributable: //nolint:staticcheck
		return None, nil
	}
	return "", fmt.Errorf("unsupported layer media type %q", mediaType)
}

// Decompress reverses Compress. limit bounds the output size so a hostile
// blob cannot exhaust memory.
func Decompress(a Algorithm, data []byte, limit int64) ([]byte, error) {
	var r io.Reader
	switch a {
	case None:
		r = bytes.NewReader(data)
	case Gzip:
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		r = zr
	case Zstd:
		zr, err := zstd.NewReader(bytes.NewReader(data), zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(uint64(max(limit+1, 1<<22))))
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		r = zr
	default:
		return nil, fmt.Errorf("unknown compression %q", a)
	}
	out, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(out)) > limit {
		return nil, fmt.Errorf("decompressed layer exceeds %d bytes", limit)
	}
	return out, nil
}
