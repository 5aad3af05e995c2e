// Package worker speaks Bazel's persistent worker protocol, as Bazel 4.2.3
// does (src/main/protobuf/worker_protocol.proto): WorkRequest messages arrive
// on stdin and one WorkResponse per request goes back on stdout, each message
// prefixed by its length as a base-128 varint. Bazel 4.2.3 can also speak
// JSON (one object per request) when the action has
// requires-worker-protocol=json and the build runs with
// --experimental_worker_allow_json_protocol; Serve detects which one Bazel
// chose from the first bytes of the stream.
//
// The few fields are hand-encoded (wire.go) so the tool needs no generated
// code and no protobuf runtime.
package worker

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/internal/inputfile"
)

// Input is a file the request may read, with Bazel's digest of it.
type Input struct {
	Path   string
	Digest []byte
}

// Request is a WorkRequest.
type Request struct {
	Arguments []string
	Inputs    []Input
	RequestID int32
	Cancel    bool
}

// Response is a WorkResponse.
type Response struct {
	ExitCode     int32
	Output       string
	RequestID    int32
	WasCancelled bool
}

// Field numbers from worker_protocol.proto.
const (
	fInputPath   = 1
	fInputDigest = 2

	fReqArguments = 1
	fReqInputs    = 2
	fReqID        = 3
	fReqCancel    = 4

	fRespExitCode     = 1
	fRespOutput       = 2
	fRespRequestID    = 3
	fRespWasCancelled = 4
)

// maxMessage bounds one request, in either protocol, so a corrupt length or
// a runaway JSON object cannot make us allocate gigabytes; real requests are
// a few kilobytes (arguments plus input paths), and a hundred thousand
// inputs take a few megabytes. A variable so tests can cross it cheaply.
var maxMessage int64 = 64 << 20

// MarshalRequest encodes a WorkRequest (without the length prefix). Bazel is
// the usual producer; this exists for tests and for the benchmark harness,
// which drives the worker as Bazel does.
func MarshalRequest(r *Request) []byte {
	var b []byte
	for _, a := range r.Arguments {
		b = appendTag(b, fReqArguments, bytesType)
		b = appendString(b, a)
	}
	for _, in := range r.Inputs {
		var m []byte
		if in.Path != "" {
			m = appendTag(m, fInputPath, bytesType)
			m = appendString(m, in.Path)
		}
		if len(in.Digest) > 0 {
			m = appendTag(m, fInputDigest, bytesType)
			m = appendString(m, string(in.Digest))
		}
		b = appendTag(b, fReqInputs, bytesType)
		b = appendString(b, string(m))
	}
	if r.RequestID != 0 {
		b = appendTag(b, fReqID, varintType)
		b = appendVarint(b, uint64(int64(r.RequestID)))
	}
	if r.Cancel {
		b = appendTag(b, fReqCancel, varintType)
		b = appendVarint(b, 1)
	}
	return b
}

// MarshalResponse encodes a WorkResponse (without the length prefix).
// Default values are omitted, as proto3 does.
func MarshalResponse(r *Response) []byte {
	var b []byte
	if r.ExitCode != 0 {
		b = appendTag(b, fRespExitCode, varintType)
		// int32 fields are sign-extended to 64 bits on the wire.
		b = appendVarint(b, uint64(int64(r.ExitCode)))
	}
	if r.Output != "" {
		b = appendTag(b, fRespOutput, bytesType)
		b = appendString(b, r.Output)
	}
	if r.RequestID != 0 {
		b = appendTag(b, fRespRequestID, varintType)
		b = appendVarint(b, uint64(int64(r.RequestID)))
	}
	if r.WasCancelled {
		b = appendTag(b, fRespWasCancelled, varintType)
		b = appendVarint(b, 1)
	}
	return b
}

// UnmarshalRequest decodes a WorkRequest. Unknown fields are skipped (newer
// Bazels add verbosity and sandbox_dir); a known field with the wrong wire
// type is an error.
func UnmarshalRequest(b []byte) (*Request, error) {
	r := &Request{}
	err := walk(b, func(num int, typ wireType, v uint64, s []byte) error {
		switch num {
		case fReqArguments:
			if typ != bytesType {
				return wireErr("WorkRequest.arguments", typ)
			}
			r.Arguments = append(r.Arguments, string(s))
		case fReqInputs:
			if typ != bytesType {
				return wireErr("WorkRequest.inputs", typ)
			}
			in, err := unmarshalInput(s)
			if err != nil {
				return err
			}
			r.Inputs = append(r.Inputs, in)
		case fReqID:
			if typ != varintType {
				return wireErr("WorkRequest.request_id", typ)
			}
			r.RequestID = int32(v)
		case fReqCancel:
			if typ != varintType {
				return wireErr("WorkRequest.cancel", typ)
			}
			r.Cancel = v != 0
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

func unmarshalInput(b []byte) (Input, error) {
	var in Input
	err := walk(b, func(num int, typ wireType, v uint64, s []byte) error {
		switch num {
		case fInputPath:
			if typ != bytesType {
				return wireErr("Input.path", typ)
			}
			in.Path = string(s)
		case fInputDigest:
			if typ != bytesType {
				return wireErr("Input.digest", typ)
			}
			in.Digest = append([]byte(nil), s...)
		}
		return nil
	})
	return in, err
}

// UnmarshalResponse decodes a WorkResponse.
func UnmarshalResponse(b []byte) (*Response, error) {
	r := &Response{}
	err := walk(b, func(num int, typ wireType, v uint64, s []byte) error {
		switch num {
		case fRespExitCode:
			if typ != varintType {
				return wireErr("WorkResponse.exit_code", typ)
			}
			r.ExitCode = int32(v)
		case fRespOutput:
			if typ != bytesType {
				return wireErr("WorkResponse.output", typ)
			}
			r.Output = string(s)
		case fRespRequestID:
			if typ != varintType {
				return wireErr("WorkResponse.request_id", typ)
			}
			r.RequestID = int32(v)
		case fRespWasCancelled:
			if typ != varintType {
				return wireErr("WorkResponse.was_cancelled", typ)
			}
			r.WasCancelled = v != 0
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

func wireErr(field string, typ wireType) error {
	return fmt.Errorf("worker: %s has wire type %d", field, typ)
}

// walk calls f for every field of a message; v holds varints, s holds
// length-delimited payloads. Fixed-width fields are skipped.
func walk(b []byte, f func(int, wireType, uint64, []byte) error) error {
	for len(b) > 0 {
		num, typ, v, s, n, err := consumeField(b)
		if err != nil {
			return fmt.Errorf("worker: bad protobuf message: %v", err)
		}
		b = b[n:]
		if err := f(num, typ, v, s); err != nil {
			return err
		}
	}
	return nil
}

// WriteDelimited writes one length-prefixed message, as protobuf's
// writeDelimitedTo does.
func WriteDelimited(w io.Writer, msg []byte) error {
	buf := appendVarint(make([]byte, 0, len(msg)+varintLen(uint64(len(msg)))), uint64(len(msg)))
	buf = append(buf, msg...)
	_, err := w.Write(buf)
	return err
}

// ReadDelimited reads one length-prefixed message. It returns io.EOF only
// when the stream ends cleanly between messages.
func ReadDelimited(r *bufio.Reader) ([]byte, error) {
	var size uint64
	for shift := uint(0); ; shift += 7 {
		c, err := r.ReadByte()
		if err != nil {
			if err == io.EOF && shift == 0 {
				return nil, io.EOF
			}
			return nil, fmt.Errorf("worker: reading message length: %w", noEOF(err))
		}
		if shift >= 64 {
			return nil, errors.New("worker: message length varint too long")
		}
		size |= uint64(c&0x7f) << shift
		if c < 0x80 {
			break
		}
	}
	if size > uint64(maxMessage) {
		return nil, fmt.Errorf("worker: message of %d bytes exceeds the %d byte limit", size, maxMessage)
	}
	msg := make([]byte, size)
	if _, err := io.ReadFull(r, msg); err != nil {
		return nil, fmt.Errorf("worker: reading %d byte message: %w", size, noEOF(err))
	}
	return msg, nil
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// jsonRequest and jsonResponse are the JSON forms Bazel 4.2.3 writes and
// reads (protobuf's JSON mapping: lowerCamelCase names, bytes as strings).
type jsonRequest struct {
	Arguments []string `json:"arguments"`
	Inputs    []struct {
		Path   string `json:"path"`
		Digest string `json:"digest"`
	} `json:"inputs"`
	RequestID int32 `json:"requestId"`
	Cancel    bool  `json:"cancel"`
}

type jsonResponse struct {
	ExitCode     int32  `json:"exitCode"`
	Output       string `json:"output"`
	RequestID    int32  `json:"requestId"`
	WasCancelled bool   `json:"wasCancelled,omitempty"`
}

// Handler runs one request's arguments and returns its exit code; everything
// it writes to out becomes WorkResponse.output.
type Handler func(args []string, out io.Writer) int

// Serve answers requests from in on out until in ends. Requests are handled
// one at a time (singleplex: Bazel 4.2.3 sends request_id 0 and waits for the
// answer). A cancel request for work already answered is ignored, as the
// protocol allows. A panic in the handler is turned into a failed response
// so one bad input does not kill the worker for every later action.
func Serve(in io.Reader, out io.Writer, h Handler) error {
	br := bufio.NewReaderSize(in, 64<<10)
	bw := bufio.NewWriter(out)
	head, err := br.Peek(1)
	if err != nil {
		if err == io.EOF {
			return nil
		}
		return err
	}
	// Bazel's JSON printer omits insignificant whitespace, so a JSON request
	// starts with `{"` or `{}`. As a proto stream that would be a 123-byte
	// message whose first tag is field 4 with wire type 2, or field 15 with
	// wire type 5; neither exists in WorkRequest, so the test is unambiguous.
	// The second byte is looked at only after a '{': a proto stream may
	// start with an empty request (a single 0 byte) and then wait for its
	// answer.
	if head[0] == '{' {
		if head, _ = br.Peek(2); len(head) == 2 && (head[1] == '"' || head[1] == '}') {
			return serveJSON(br, bw, h)
		}
	}
	for {
		msg, err := ReadDelimited(br)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		req, err := UnmarshalRequest(msg)
		if err != nil {
			return err
		}
		if req.Cancel {
			continue
		}
		resp := handle(h, req)
		if err := WriteDelimited(bw, MarshalResponse(resp)); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
	}
}

func serveJSON(br *bufio.Reader, bw *bufio.Writer, h Handler) error {
	enc := json.NewEncoder(bw)
	for {
		msg, err := nextJSONValue(br, maxMessage)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("worker: reading JSON request: %w", err)
		}
		var jr jsonRequest
		if err := json.Unmarshal(msg, &jr); err != nil {
			return fmt.Errorf("worker: reading JSON request: %w", err)
		}
		if jr.Cancel {
			continue
		}
		req := &Request{Arguments: jr.Arguments, RequestID: jr.RequestID}
		for _, in := range jr.Inputs {
			req.Inputs = append(req.Inputs, Input{Path: in.Path, Digest: []byte(in.Digest)})
		}
		resp := handle(h, req)
		// Encoder.Encode ends each object with a newline, which Bazel's
		// lenient JSON reader accepts between messages.
		if err := enc.Encode(jsonResponse{resp.ExitCode, resp.Output, resp.RequestID, resp.WasCancelled}); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
	}
}

// nextJSONValue reads the bytes of the next JSON object or array, skipping
// the whitespace before it, and fails once one takes more than limit
// bytes. It only follows nesting and strings (json.Unmarshal checks the
// rest). Past the first chunk the bytes are kept in fixed-size chunks and
// joined only once the value is complete, so a request that never ends
// costs the limit in small allocations: a growing slice (or a
// json.Decoder's read-ahead buffer) would hold its old and new arrays at
// once, each tens of megabytes, and run a process under an address-space
// limit out of memory before the limit is reached.
func nextJSONValue(br *bufio.Reader, limit int64) ([]byte, error) {
	const chunkSize = 1 << 20
	var chunks [][]byte // full chunks, chunkSize bytes each
	var cur []byte
	var n int64
	depth, inString, escaped := 0, false, false
	for {
		c, err := br.ReadByte()
		if err != nil {
			if err == io.EOF && n > 0 {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if n == 0 && (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			continue
		}
		if n >= limit {
			return nil, fmt.Errorf("request exceeds the %d byte limit", limit)
		}
		switch {
		case len(cur) < cap(cur):
		case cap(cur) == chunkSize:
			chunks = append(chunks, cur)
			cur = make([]byte, 0, chunkSize)
		default: // small requests stay small: double up to a chunk
			grown := make([]byte, len(cur), min(max(2*cap(cur), 512), chunkSize))
			copy(grown, cur)
			cur = grown
		}
		cur = append(cur, c)
		n++
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case inString && c == '"':
			inString = false
		case inString:
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
		}
		if depth <= 0 && !inString {
			// A complete value, or a stray byte json.Unmarshal refuses.
			if chunks == nil {
				return cur, nil
			}
			msg := make([]byte, 0, n)
			for _, ch := range chunks {
				msg = append(msg, ch...)
			}
			return append(msg, cur...), nil
		}
	}
}

// handle runs one request. A panic becomes that request's failure (with the
// stack, for a bug report) and the worker goes on to the next request.
func handle(h Handler, req *Request) (resp *Response) {
	var out bytes.Buffer
	resp = &Response{RequestID: req.RequestID}
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(&out, "tiny: internal error: %v\n%s", p, debug.Stack())
			resp.ExitCode = 1
			resp.Output = out.String()
		}
	}()
	resp.ExitCode = int32(h(req.Arguments, &out))
	resp.Output = out.String()
	return resp
}

// IsWorkerArgs reports whether Bazel started the process as a persistent
// worker: it appends --persistent_worker to the action's non-flagfile
// arguments.
func IsWorkerArgs(args []string) bool {
	for _, a := range args {
		if a == "--persistent_worker" {
			return true
		}
	}
	return false
}

// StartupArgs returns the arguments Bazel started the worker with, minus
// --persistent_worker. They are the part of the action's command line before
// the @flagfile (e.g. the subcommand name) and prefix every request.
func StartupArgs(args []string) []string {
	var s []string
	for _, a := range args {
		if a != "--persistent_worker" {
			s = append(s, a)
		}
	}
	return s
}

// ExpandFlagfiles replaces every @FILE argument with the lines of FILE, one
// argument per line (Bazel's "multiline" params file format), recursively,
// the same way Bazel expands a worker's flagfile into WorkRequest.arguments:
// so an action gets the same argument list whether it runs as a worker or as
// a plain process. Arguments starting with "@@" and external labels such as
// "@repo//pkg" are left alone, as Bazel does.
func ExpandFlagfiles(args []string) ([]string, error) {
	var out []string
	budget := int64(maxFlagfile)
	for _, a := range args {
		var err error
		out, err = expandArg(out, a, 0, &budget)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// maxFlagfileDepth stops a flagfile that names itself.
const maxFlagfileDepth = 16

// maxFlagfile bounds the bytes all flagfiles of one command line expand to
// (a flagfile naming itself many times would otherwise grow exponentially).
const maxFlagfile = 64 << 20

func expandArg(out []string, a string, depth int, budget *int64) ([]string, error) {
	if !strings.HasPrefix(a, "@") || strings.HasPrefix(a, "@@") || isExternalLabel(a) {
		return append(out, a), nil
	}
	if depth >= maxFlagfileDepth {
		return nil, fmt.Errorf("flagfile %s: nested more than %d deep", a[1:], maxFlagfileDepth)
	}
	data, err := inputfile.ReadFile(a[1:], true, maxFlagfile)
	if err != nil {
		return nil, fmt.Errorf("flagfile: %w", err)
	}
	if *budget -= int64(len(data)); *budget < 0 {
		return nil, fmt.Errorf("flagfile %s: flagfiles expand to more than %d bytes", a[1:], maxFlagfile)
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	text = strings.TrimSuffix(text, "\n")
	if text == "" {
		return out, nil
	}
	for _, line := range strings.Split(text, "\n") {
		out, err = expandArg(out, line, depth+1, budget)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// isExternalLabel matches Bazel's ^@.*//.* test.
func isExternalLabel(a string) bool {
	return strings.HasPrefix(a, "@") && strings.Contains(a[1:], "//")
}
