package layout

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Marshal returns v's JSON exactly as encoding/json writes it with HTML
// escaping off, without the trailing newline.
//
// The documents a layout is made of (image configs, manifests, indexes,
// docker's manifest.json and repositories) are written here field by field:
// encoding/json's first use of each of these types (reflection over their
// fields) costs a fresh process about 0.3 ms, more than the rest of the
// image's JSON, hashing and tar together. Any other value goes through
// encoding/json. TestMarshalWritesWhatEncodingJSONWrites holds the two to
// the same bytes.
func Marshal(v any) ([]byte, error) {
	var w jsonWriter
	switch x := v.(type) {
	case ocispec.Image:
		w.image(&x)
	case *ocispec.Image:
		w.image(x)
	case ocispec.Manifest:
		w.manifest(&x)
	case *ocispec.Manifest:
		w.manifest(x)
	case ocispec.Index:
		w.index(&x)
	case *ocispec.Index:
		w.index(x)
	case []dockerManifestEntry:
		w.dockerManifest(x)
	case map[string]map[string]string:
		w.repositories(x)
	default:
		return marshalReflect(v)
	}
	return w.b, w.err
}

// marshalReflect is encoding/json, set as Marshal writes.
func marshalReflect(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

type jsonWriter struct {
	b   []byte
	err error
}

// object writes the members of one JSON object; names are Go constants
// that need no escaping.
type object struct {
	w *jsonWriter
	n int
}

func (w *jsonWriter) open() object {
	w.b = append(w.b, '{')
	return object{w: w}
}

func (o *object) name(n string) *jsonWriter {
	if o.n > 0 {
		o.w.b = append(o.w.b, ',')
	}
	o.n++
	o.w.b = append(o.w.b, '"')
	o.w.b = append(o.w.b, n...)
	o.w.b = append(o.w.b, '"', ':')
	return o.w
}

func (o *object) close() { o.w.b = append(o.w.b, '}') }

// The omitempty members: left out when empty, as encoding/json does.
func (o *object) optString(n, s string) {
	if s != "" {
		o.name(n).str(s)
	}
}

func (o *object) optStrings(n string, s []string) {
	if len(s) > 0 {
		o.name(n).strs(s)
	}
}

func (o *object) optMap(n string, m map[string]string) {
	if len(m) > 0 {
		o.name(n).strMap(m)
	}
}

func (o *object) optTime(n string, t *time.Time) {
	if t != nil {
		o.name(n).time(t)
	}
}

func (o *object) optBool(n string, b bool) {
	if b {
		o.name(n)
		o.w.b = append(o.w.b, "true"...)
	}
}

func (w *jsonWriter) str(s string) { w.b = appendString(w.b, s) }

func (w *jsonWriter) int(i int64) { w.b = strconv.AppendInt(w.b, i, 10) }

// strs writes a slice of strings; nil is null, as encoding/json writes it.
func (w *jsonWriter) strs(s []string) { writeList(w, s, w.str) }

func (w *jsonWriter) digests(ds []digest.Digest) {
	writeList(w, ds, func(d digest.Digest) { w.str(string(d)) })
}

// writeList writes xs as an array, each element by item; nil is null.
func writeList[T any](w *jsonWriter, xs []T, item func(T)) {
	if xs == nil {
		w.b = append(w.b, "null"...)
		return
	}
	w.b = append(w.b, '[')
	for i := range xs {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		item(xs[i])
	}
	w.b = append(w.b, ']')
}

// strMap writes a map with its keys in byte order, as encoding/json sorts
// them.
func (w *jsonWriter) strMap(m map[string]string) { writeMap(w, m, w.str) }

// set writes a map[string]struct{} (ports, volumes): {"k":{},...}.
func (w *jsonWriter) set(m map[string]struct{}) {
	writeMap(w, m, func(struct{}) { w.b = append(w.b, '{', '}') })
}

// writeMap writes m as an object, keys sorted, each value by value; nil is
// null.
func writeMap[V any](w *jsonWriter, m map[string]V, value func(V)) {
	if m == nil {
		w.b = append(w.b, "null"...)
		return
	}
	w.b = append(w.b, '{')
	for i, k := range sortedKeys(m) {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.str(k)
		w.b = append(w.b, ':')
		value(m[k])
	}
	w.b = append(w.b, '}')
}

// time writes t as its MarshalJSON does (RFC 3339); a year outside 0-9999
// is an error there, and here.
func (w *jsonWriter) time(t *time.Time) {
	b, err := t.MarshalJSON()
	if err != nil && w.err == nil {
		w.err = err
	}
	w.b = append(w.b, b...)
}

func (w *jsonWriter) platformFields(o *object, p *ocispec.Platform) {
	o.name("architecture").str(p.Architecture)
	o.name("os").str(p.OS)
	o.optString("os.version", p.OSVersion)
	o.optStrings("os.features", p.OSFeatures)
	o.optString("variant", p.Variant)
}

func (w *jsonWriter) descriptor(d *ocispec.Descriptor) {
	o := w.open()
	o.name("mediaType").str(d.MediaType)
	o.name("digest").str(string(d.Digest))
	o.name("size").int(d.Size)
	o.optStrings("urls", d.URLs)
	o.optMap("annotations", d.Annotations)
	if len(d.Data) > 0 {
		o.name("data").str(base64.StdEncoding.EncodeToString(d.Data))
	}
	if d.Platform != nil {
		o.name("platform")
		p := w.open()
		w.platformFields(&p, d.Platform)
		p.close()
	}
	o.optString("artifactType", d.ArtifactType)
	o.close()
}

// descriptors writes a list of descriptors; nil is null.
func (w *jsonWriter) descriptors(ds []ocispec.Descriptor) {
	writeList(w, ds, func(d ocispec.Descriptor) { w.descriptor(&d) })
}

func (w *jsonWriter) image(im *ocispec.Image) {
	o := w.open()
	o.optTime("created", im.Created)
	o.optString("author", im.Author)
	w.platformFields(&o, &im.Platform)
	o.name("config") // omitempty does not leave out a struct
	w.imageConfig(&im.Config)
	o.name("rootfs")
	r := w.open()
	r.name("type").str(im.RootFS.Type)
	r.name("diff_ids").digests(im.RootFS.DiffIDs)
	r.close()
	if len(im.History) > 0 {
		o.name("history")
		writeList(w, im.History, func(h ocispec.History) {
			ho := w.open()
			ho.optTime("created", h.Created)
			ho.optString("created_by", h.CreatedBy)
			ho.optString("author", h.Author)
			ho.optString("comment", h.Comment)
			ho.optBool("empty_layer", h.EmptyLayer)
			ho.close()
		})
	}
	o.close()
}

func (w *jsonWriter) imageConfig(c *ocispec.ImageConfig) {
	o := w.open()
	o.optString("User", c.User)
	if len(c.ExposedPorts) > 0 {
		o.name("ExposedPorts").set(c.ExposedPorts)
	}
	o.optStrings("Env", c.Env)
	o.optStrings("Entrypoint", c.Entrypoint)
	o.optStrings("Cmd", c.Cmd)
	if len(c.Volumes) > 0 {
		o.name("Volumes").set(c.Volumes)
	}
	o.optString("WorkingDir", c.WorkingDir)
	o.optMap("Labels", c.Labels)
	o.optString("StopSignal", c.StopSignal)
	//lint:ignore SA1019 written when set, as encoding/json would
	o.optBool("ArgsEscaped", c.ArgsEscaped)
	o.close()
}

// versioned opens a manifest or an index: schema version and media types
// come first, and tail closes it with subject and annotations.
func (w *jsonWriter) versioned(schema int, mediaType, artifactType string) object {
	o := w.open()
	o.name("schemaVersion").int(int64(schema))
	o.optString("mediaType", mediaType)
	o.optString("artifactType", artifactType)
	return o
}

func (w *jsonWriter) tail(o *object, subject *ocispec.Descriptor, annotations map[string]string) {
	if subject != nil {
		o.name("subject").descriptor(subject)
	}
	o.optMap("annotations", annotations)
	o.close()
}

func (w *jsonWriter) manifest(m *ocispec.Manifest) {
	o := w.versioned(m.SchemaVersion, m.MediaType, m.ArtifactType)
	o.name("config").descriptor(&m.Config)
	o.name("layers").descriptors(m.Layers)
	w.tail(&o, m.Subject, m.Annotations)
}

func (w *jsonWriter) index(x *ocispec.Index) {
	o := w.versioned(x.SchemaVersion, x.MediaType, x.ArtifactType)
	o.name("manifests").descriptors(x.Manifests)
	w.tail(&o, x.Subject, x.Annotations)
}

func (w *jsonWriter) dockerManifest(es []dockerManifestEntry) {
	writeList(w, es, func(e dockerManifestEntry) {
		o := w.open()
		o.name("Config").str(e.Config)
		o.name("RepoTags").strs(e.RepoTags)
		o.name("Layers").strs(e.Layers)
		o.close()
	})
}

func (w *jsonWriter) repositories(m map[string]map[string]string) {
	writeMap(w, m, w.strMap)
}

const hexDigits = "0123456789abcdef"

// appendString quotes s as encoding/json does with HTML escaping off:
// quote, backslash and control characters escaped (\b \f \n \r \t by
// name), invalid UTF-8 as \ufffd, and U+2028 and U+2029 escaped for
// JavaScript.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
