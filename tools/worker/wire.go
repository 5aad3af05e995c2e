package worker

import (
	"errors"
	"math/bits"
)

// The protobuf wire format subset the worker protocol needs. It is written
// out here rather than imported from google.golang.org/protobuf because that
// module's init hashes samples of the running executable (internal/detrand),
// a cost every `tiny` process would pay just to link the worker in. The
// tests check these bytes against the real protobuf runtime.

type wireType uint8

const (
	varintType  wireType = 0
	fixed64Type wireType = 1
	bytesType   wireType = 2
	fixed32Type wireType = 5
)

func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func appendTag(b []byte, num int, t wireType) []byte {
	return appendVarint(b, uint64(num)<<3|uint64(t))
}

func appendString(b []byte, s string) []byte {
	b = appendVarint(b, uint64(len(s)))
	return append(b, s...)
}

var (
	errTruncated = errors.New("truncated")
	errOverflow  = errors.New("varint overflows 64 bits")
	errWireType  = errors.New("unsupported wire type")
	errFieldNum  = errors.New("invalid field number")
)

// consumeVarint returns the value and the bytes it took, or an error.
func consumeVarint(b []byte) (uint64, int, error) {
	var v uint64
	for i := 0; i < len(b); i++ {
		if i == 9 && b[i] > 1 {
			return 0, 0, errOverflow
		}
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return v, i + 1, nil
		}
	}
	return 0, 0, errTruncated
}

// consumeField reads one field: its number, wire type, varint value or
// length-delimited payload, and the total bytes taken. Fixed-width fields
// are skipped; groups (deprecated, never in this protocol) are refused.
func consumeField(b []byte) (num int, t wireType, v uint64, s []byte, n int, err error) {
	tag, n, err := consumeVarint(b)
	if err != nil {
		return 0, 0, 0, nil, 0, err
	}
	if tag>>3 == 0 || tag>>3 > 1<<29-1 {
		return 0, 0, 0, nil, 0, errFieldNum
	}
	num, t = int(tag>>3), wireType(tag&7)
	rest := b[n:]
	switch t {
	case varintType:
		var m int
		v, m, err = consumeVarint(rest)
		n += m
	case bytesType:
		var l uint64
		var m int
		l, m, err = consumeVarint(rest)
		if err == nil {
			if l > uint64(len(rest)-m) {
				err = errTruncated
			} else {
				s = rest[m : m+int(l)]
				n += m + int(l)
			}
		}
	case fixed64Type:
		if len(rest) < 8 {
			err = errTruncated
		}
		n += 8
	case fixed32Type:
		if len(rest) < 4 {
			err = errTruncated
		}
		n += 4
	default:
		err = errWireType
	}
	if err != nil {
		return 0, 0, 0, nil, 0, err
	}
	return num, t, v, s, n, nil
}

// varintLen is only used to size buffers.
func varintLen(v uint64) int { return (bits.Len64(v|1) + 6) / 7 }
