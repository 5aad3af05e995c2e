package worker

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protodelim"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// protocolDescriptors builds worker_protocol.proto (Bazel 4.2.3) as a
// descriptor, so the real protobuf runtime can act as an independent encoder
// and decoder for our hand-written wire code.
func protocolDescriptors(t *testing.T) (req, resp protoreflect.MessageDescriptor) {
	t.Helper()
	str := descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum()
	byt := descriptorpb.FieldDescriptorProto_TYPE_BYTES.Enum()
	i32 := descriptorpb.FieldDescriptorProto_TYPE_INT32.Enum()
	boo := descriptorpb.FieldDescriptorProto_TYPE_BOOL.Enum()
	msg := descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum()
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	rep := descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
	field := func(name string, num int32, typ *descriptorpb.FieldDescriptorProto_Type, label *descriptorpb.FieldDescriptorProto_Label, json string) *descriptorpb.FieldDescriptorProto {
		return &descriptorpb.FieldDescriptorProto{Name: proto.String(name), Number: proto.Int32(num), Type: typ, Label: label, JsonName: proto.String(json)}
	}
	inputs := field("inputs", 2, msg, rep, "inputs")
	inputs.TypeName = proto.String(".blaze.worker.Input")
	fd := &descriptorpb.FileDescriptorProto{
		Name:    proto.String("worker_protocol.proto"),
		Package: proto.String("blaze.worker"),
		Syntax:  proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{
			{Name: proto.String("Input"), Field: []*descriptorpb.FieldDescriptorProto{
				field("path", 1, str, opt, "path"), field("digest", 2, byt, opt, "digest")}},
			{Name: proto.String("WorkRequest"), Field: []*descriptorpb.FieldDescriptorProto{
				field("arguments", 1, str, rep, "arguments"), inputs,
				field("request_id", 3, i32, opt, "requestId"), field("cancel", 4, boo, opt, "cancel")}},
			{Name: proto.String("WorkResponse"), Field: []*descriptorpb.FieldDescriptorProto{
				field("exit_code", 1, i32, opt, "exitCode"), field("output", 2, str, opt, "output"),
				field("request_id", 3, i32, opt, "requestId"), field("was_cancelled", 4, boo, opt, "wasCancelled")}},
		},
	}
	f, err := protodesc.NewFile(fd, nil)
	if err != nil {
		t.Fatal(err)
	}
	return f.Messages().ByName("WorkRequest"), f.Messages().ByName("WorkResponse")
}

func TestUnmarshalRequestReadsWhatProtobufRuntimeWrites(t *testing.T) {
	reqD, _ := protocolDescriptors(t)
	m := dynamicpb.NewMessage(reqD)
	args := m.NewField(reqD.Fields().ByName("arguments")).List()
	for _, a := range []string{"-o", "bazel-out/k8-fastbuild/bin/p/hello", "p/hello.asm", "", "ünïcode"} {
		args.Append(protoreflect.ValueOfString(a))
	}
	m.Set(reqD.Fields().ByName("arguments"), protoreflect.ValueOfList(args))
	inD := reqD.Fields().ByName("inputs")
	inputs := m.NewField(inD).List()
	in := dynamicpb.NewMessage(inD.Message())
	in.Set(inD.Message().Fields().ByName("path"), protoreflect.ValueOfString("p/hello.asm"))
	in.Set(inD.Message().Fields().ByName("digest"), protoreflect.ValueOfBytes([]byte("abc123")))
	inputs.Append(protoreflect.ValueOfMessage(in))
	m.Set(inD, protoreflect.ValueOfList(inputs))
	m.Set(reqD.Fields().ByName("request_id"), protoreflect.ValueOfInt32(-7))
	wire, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := UnmarshalRequest(wire)
	if err != nil {
		t.Fatal(err)
	}
	want := &Request{
		Arguments: []string{"-o", "bazel-out/k8-fastbuild/bin/p/hello", "p/hello.asm", "", "ünïcode"},
		Inputs:    []Input{{Path: "p/hello.asm", Digest: []byte("abc123")}},
		RequestID: -7,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	// Our encoder must produce bytes the runtime decodes to the same message.
	back := dynamicpb.NewMessage(reqD)
	if err := proto.Unmarshal(MarshalRequest(want), back); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(back, m) {
		t.Fatalf("runtime decoded our request as %v, want %v", back, m)
	}
}

func TestMarshalResponseDecodesWithProtobufRuntime(t *testing.T) {
	_, respD := protocolDescriptors(t)
	for _, r := range []Response{
		{},
		{ExitCode: 1, Output: "hello.asm:3: error: unknown mnemonic\n", RequestID: 42},
		{ExitCode: -1, RequestID: 2147483647, WasCancelled: true},
	} {
		m := dynamicpb.NewMessage(respD)
		if err := proto.Unmarshal(MarshalResponse(&r), m); err != nil {
			t.Fatalf("%+v: %v", r, err)
		}
		f := respD.Fields()
		got := Response{
			ExitCode:     int32(m.Get(f.ByName("exit_code")).Int()),
			Output:       m.Get(f.ByName("output")).String(),
			RequestID:    int32(m.Get(f.ByName("request_id")).Int()),
			WasCancelled: m.Get(f.ByName("was_cancelled")).Bool(),
		}
		if got != r {
			t.Errorf("runtime decoded %+v, want %+v", got, r)
		}
		// And the runtime's own encoding must decode with ours.
		wire, _ := proto.Marshal(m)
		ours, err := UnmarshalResponse(wire)
		if err != nil || *ours != r {
			t.Errorf("UnmarshalResponse = %+v, %v; want %+v", ours, err, r)
		}
	}
}

func TestUnmarshalRequestSkipsUnknownFieldsAndRejectsWrongWireTypes(t *testing.T) {
	// Field 5 (verbosity in newer Bazels) and 6 (sandbox_dir) must be ignored.
	b := MarshalRequest(&Request{Arguments: []string{"x"}})
	b = append(b, 0x28, 0x0a)                // field 5 varint 10
	b = append(b, 0x32, 0x03, 'a', 'b', 'c') // field 6 string "abc"
	b = append(b, 0x3d, 1, 2, 3, 4)          // field 7 fixed32
	r, err := UnmarshalRequest(b)
	if err != nil || !reflect.DeepEqual(r.Arguments, []string{"x"}) {
		t.Fatalf("got %+v, %v", r, err)
	}
	for name, bad := range map[string][]byte{
		"arguments as varint": {0x08, 0x01},
		"request_id as bytes": {0x1a, 0x01, 'x'},
		"truncated string":    {0x0a, 0x05, 'a'},
		"truncated tag":       {0x80},
		"bad input message":   {0x12, 0x02, 0x08, 0x01},
		"group wire type":     {0x0b, 0x0c},
		"field number zero":   {0x02, 0x00},
		"varint over 64 bits": {0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02},
		"truncated fixed64":   {0x39, 1, 2, 3},
	} {
		if _, err := UnmarshalRequest(bad); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// encodeStream length-prefixes requests with protodelim, as Bazel's
// writeDelimitedTo does.
func encodeStream(t *testing.T, reqs ...*Request) []byte {
	t.Helper()
	reqD, _ := protocolDescriptors(t)
	var buf bytes.Buffer
	for _, r := range reqs {
		m := dynamicpb.NewMessage(reqD)
		if err := proto.Unmarshal(MarshalRequest(r), m); err != nil {
			t.Fatal(err)
		}
		if _, err := protodelim.MarshalTo(&buf, m); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func decodeResponses(t *testing.T, b []byte) []Response {
	t.Helper()
	_, respD := protocolDescriptors(t)
	br := bufio.NewReader(bytes.NewReader(b))
	var out []Response
	for {
		m := dynamicpb.NewMessage(respD)
		err := protodelim.UnmarshalFrom(br, m)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		wire, _ := proto.Marshal(m)
		r, err := UnmarshalResponse(wire)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, *r)
	}
}

// echo is a handler with the shape of tiny's run(): parses its own args
// each call, so no state can carry over between requests.
func echo(args []string, out io.Writer) int {
	if len(args) > 0 && args[0] == "panic" {
		panic("boom")
	}
	if len(args) > 0 && args[0] == "fail" {
		io.WriteString(out, "error: failed\n")
		return 1
	}
	io.WriteString(out, strings.Join(args, "|"))
	return 0
}

func TestServeAnswersEachRequestInOrderWithItsOwnOutput(t *testing.T) {
	in := encodeStream(t,
		&Request{Arguments: []string{"a", "b"}},
		&Request{Arguments: []string{"fail"}},
		&Request{Arguments: []string{"panic"}},
		&Request{Cancel: true, RequestID: 3},
		&Request{Arguments: []string{"c"}, RequestID: 9},
	)
	var out bytes.Buffer
	if err := Serve(bytes.NewReader(in), &out, echo); err != nil {
		t.Fatal(err)
	}
	got := decodeResponses(t, out.Bytes())
	want := []Response{
		{Output: "a|b"},
		{ExitCode: 1, Output: "error: failed\n"},
		{ExitCode: 1, Output: "tiny: internal error: boom\n"},
		{Output: "c", RequestID: 9},
	}
	// The panic's answer carries the stack after the message.
	if len(got) == 4 && strings.HasPrefix(got[2].Output, want[2].Output) && strings.Contains(got[2].Output, "goroutine ") {
		got[2].Output = want[2].Output
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

func TestServeReportsTruncatedStream(t *testing.T) {
	in := encodeStream(t, &Request{Arguments: []string{"a"}}, &Request{Arguments: []string{"bbbb"}})
	var out bytes.Buffer
	err := Serve(bytes.NewReader(in[:len(in)-2]), &out, echo)
	if err == nil {
		t.Fatal("no error for a truncated message")
	}
	if got := decodeResponses(t, out.Bytes()); len(got) != 1 {
		t.Fatalf("want the first request answered before the error, got %+v", got)
	}
	// A huge declared length is refused before allocating.
	huge := []byte{0xff, 0xff, 0xff, 0xff, 0x0f}
	if err := Serve(bytes.NewReader(huge), &out, echo); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("err = %v, want a size limit error", err)
	}
}

// endlessJSON is a JSON request that never ends: one argument growing
// forever.
type endlessJSON struct{ started bool }

func (e *endlessJSON) Read(p []byte) (int, error) {
	if !e.started {
		e.started = true
		return copy(p, `{"arguments":["`), nil
	}
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

func TestJSONRequestsAreBoundedLikeProtobufOnes(t *testing.T) {
	old := maxMessage
	maxMessage = 1 << 20
	defer func() { maxMessage = old }()
	// Requests under the limit pass, one after another.
	small := `{"arguments":["` + strings.Repeat("y", 700<<10) + `"]}`
	var out bytes.Buffer
	if err := Serve(strings.NewReader(small+small), &out, echo); err != nil {
		t.Fatal(err)
	}
	// One that never ends is refused at the limit.
	err := Serve(&endlessJSON{}, &out, echo)
	if err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("err = %v, want a size limit error", err)
	}
}

func TestServeEmptyInputIsCleanShutdown(t *testing.T) {
	var out bytes.Buffer
	if err := Serve(bytes.NewReader(nil), &out, echo); err != nil || out.Len() != 0 {
		t.Fatalf("err %v, out %q", err, out.Bytes())
	}
}

func TestServeSpeaksJSONWhenBazelDoes(t *testing.T) {
	// What Bazel 4.2.3 writes with requires-worker-protocol=json: compact
	// objects back to back.
	in := `{"arguments":["x","y"],"inputs":[{"path":"a.asm","digest":"00ff"}]}{"arguments":["fail"],"requestId":5}{}`
	var out bytes.Buffer
	if err := Serve(strings.NewReader(in), &out, echo); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(&out)
	var got []map[string]any
	for dec.More() {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		got = append(got, m)
	}
	want := []map[string]any{
		{"exitCode": 0.0, "output": "x|y", "requestId": 0.0},
		{"exitCode": 1.0, "output": "error: failed\n", "requestId": 5.0},
		{"exitCode": 0.0, "output": "", "requestId": 0.0},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}

func TestProtoStreamStartingWithBraceIsNotJSON(t *testing.T) {
	// A 123-byte request: its length prefix is '{', its first tag 0x0a.
	arg := strings.Repeat("z", 121)
	in := encodeStream(t, &Request{Arguments: []string{arg}})
	if in[0] != '{' {
		t.Fatalf("test setup: prefix %#x", in[0])
	}
	var out bytes.Buffer
	if err := Serve(bytes.NewReader(in), &out, echo); err != nil {
		t.Fatal(err)
	}
	if got := decodeResponses(t, out.Bytes()); len(got) != 1 || got[0].Output != arg {
		t.Fatalf("got %+v", got)
	}
}

func TestExpandFlagfiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	inner := write("inner.params", "-D\nX=1\n")
	outer := write("outer.params", "-o\nout bin\n@"+inner+"\n\nsrc.asm\n")
	crlf := write("crlf.params", "-m\r\ni386\r\n")
	empty := write("empty.params", "")
	loop := write("loop.params", "@"+filepath.Join(dir, "loop.params")+"\n")

	for _, tc := range []struct {
		name    string
		args    []string
		want    []string
		wantErr string
	}{
		{"no flagfile", []string{"build", "-o", "x"}, []string{"build", "-o", "x"}, ""},
		{"one arg per line, nested, empty line kept", []string{"build", "@" + outer},
			[]string{"build", "-o", "out bin", "-D", "X=1", "", "src.asm"}, ""},
		{"CRLF lines", []string{"@" + crlf}, []string{"-m", "i386"}, ""},
		{"empty file adds nothing", []string{"a", "@" + empty, "b"}, []string{"a", "b"}, ""},
		{"@@ is not a flagfile", []string{"@@x"}, []string{"@@x"}, ""},
		{"external label is not a flagfile", []string{"@repo//pkg:t"}, []string{"@repo//pkg:t"}, ""},
		{"missing file", []string{"@" + filepath.Join(dir, "nope")}, nil, "no such file"},
		{"self-including file", []string{"@" + loop}, nil, "nested more than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ExpandFlagfiles(tc.args)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestWorkerArgs(t *testing.T) {
	args := []string{"build", "--persistent_worker", "-v"}
	if !IsWorkerArgs(args) || IsWorkerArgs([]string{"build", "-o", "x"}) {
		t.Fatal("IsWorkerArgs")
	}
	if got := StartupArgs(args); !reflect.DeepEqual(got, []string{"build", "-v"}) {
		t.Fatalf("StartupArgs = %q", got)
	}
}

func FuzzUnmarshalRequest(f *testing.F) {
	f.Add(MarshalRequest(&Request{Arguments: []string{"-o", "x"}, Inputs: []Input{{"p", []byte("d")}}, RequestID: 3}))
	f.Add([]byte{0x0a, 0x05, 'a'})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := UnmarshalRequest(b)
		if err != nil {
			return
		}
		// Whatever decodes must re-encode and decode to the same request.
		r2, err := UnmarshalRequest(MarshalRequest(r))
		if err != nil || !reflect.DeepEqual(normalize(r), normalize(r2)) {
			t.Fatalf("round trip: %+v vs %+v (%v)", r, r2, err)
		}
	})
}

func normalize(r *Request) *Request {
	c := *r
	for i := range c.Inputs {
		if len(c.Inputs[i].Digest) == 0 {
			c.Inputs[i].Digest = nil
		}
	}
	return &c
}

func FuzzServe(f *testing.F) {
	f.Add(append([]byte{3}, MarshalRequest(&Request{Arguments: []string{"a"}})...))
	f.Add([]byte(`{"arguments":["a"]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		// Must return (error or not), never panic or hang.
		_ = Serve(bytes.NewReader(b), io.Discard, echo)
	})
}

// An empty WorkRequest is the single byte 0 on the wire; Bazel then waits
// for its answer, so Serve must not wait for a second byte to choose the
// protocol.
func TestServeAnswersAnEmptyFirstRequestWithoutMoreInput(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- Serve(inR, outW, echo) }()
	go inW.Write([]byte{0})
	got := make(chan []byte, 1)
	go func() {
		msg, err := ReadDelimited(bufio.NewReader(outR))
		if err != nil {
			t.Error(err)
		}
		got <- msg
	}()
	select {
	case msg := <-got:
		if r, err := UnmarshalResponse(msg); err != nil || r.ExitCode != 0 {
			t.Errorf("response %+v, %v", r, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no answer to an empty first request")
	}
	inW.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestJSONRequestsSplitAtTheirEnds(t *testing.T) {
	in := " {\"arguments\":[\"a}\",\"b\\\"{\"]}\n{\"requestId\":2}\n"
	br := bufio.NewReader(strings.NewReader(in))
	for _, want := range []string{`{"arguments":["a}","b\"{"]}`, `{"requestId":2}`} {
		got, err := nextJSONValue(br, 1<<10)
		if err != nil || string(got) != want {
			t.Fatalf("got %q, %v; want %q", got, err, want)
		}
	}
	if _, err := nextJSONValue(br, 1<<10); err != io.EOF {
		t.Fatalf("after the last request: %v, want EOF", err)
	}
	if _, err := nextJSONValue(bufio.NewReader(strings.NewReader(`{"a":"`+strings.Repeat("x", 100))), 64); err == nil || !strings.Contains(err.Error(), "exceeds the 64 byte limit") {
		t.Fatalf("an endless request: %v", err)
	}
	if _, err := nextJSONValue(bufio.NewReader(strings.NewReader(`{"a":1`)), 64); err != io.ErrUnexpectedEOF {
		t.Fatalf("a cut request: %v", err)
	}
}

func TestLargeJSONRequestIsJoinedWhole(t *testing.T) {
	body := `{"arguments":["` + strings.Repeat("ab", 3<<20/2+7) + `"]}`
	got, err := nextJSONValue(bufio.NewReader(strings.NewReader(body+"\n{}")), 64<<20)
	if err != nil || string(got) != body {
		t.Fatalf("a %d-byte request came back as %d bytes, %v", len(body), len(got), err)
	}
}

// An endless request allocates about the limit, not the old-plus-new
// arrays of a growing buffer: a worker under an address-space limit ran
// out of memory that way before it could refuse the request.
func TestEndlessJSONRequestAllocatesAboutTheLimit(t *testing.T) {
	const limit = 16 << 20
	br := bufio.NewReader(io.MultiReader(strings.NewReader(`{"a":"`), endlessX{}))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := nextJSONValue(br, limit)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "byte limit") {
		t.Fatalf("an endless request: %v", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > limit*5/4 {
		t.Errorf("refusing a request at the %d MiB limit allocated %.1f MiB", limit>>20, float64(got)/(1<<20))
	}
}

type endlessX struct{}

func (endlessX) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}
