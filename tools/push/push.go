// Package push uploads an OCI image layout (one image, or an image index with
// its images) to a registry with go-containerregistry's remote package, the
// client crane uses. Credentials come from the same places crane and docker
// look: $DOCKER_CONFIG/config.json or ~/.docker/config.json (including
// credential helpers and credsStore), then podman's auth.json.
//
// Transport policy, stated once: TLS everywhere, except that loopback
// registries (localhost, *.localhost, 127.0.0.0/8, ::1) may be spoken to over
// plain HTTP, which is how a local test registry is usually run. Any other
// host needs Insecure (plain HTTP allowed, TLS certificates not verified).
// go-containerregistry on its own would also fall back to HTTP for private
// (RFC 1918) addresses; we refuse that, so credentials never cross a network
// in clear text unless the user asked for it.
//
// Pushing writes nothing locally.
package push

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Options says what to push where.
type Options struct {
	// Layout is an OCI image layout directory (oci-layout, index.json, blobs/).
	Layout string
	// Repository is HOST[:PORT]/PATH, without tag or digest.
	Repository string
	// Tags to point at the pushed manifest. With none, the push is by digest only.
	Tags []string
	// Index pushes index.json itself as an image index. Without it index.json
	// must list exactly one manifest (an image or an index), which is pushed.
	Index bool
	// Insecure allows plain HTTP and unverified TLS for any registry.
	Insecure bool
	// Keychain resolves credentials; authn.DefaultKeychain when nil.
	Keychain authn.Keychain
	// Transport is the base HTTP transport; a clone of
	// remote.DefaultTransport when nil.
	Transport http.RoundTripper
	// Log receives one line per tag written; nothing when nil.
	Log io.Writer
}

// Result describes what was pushed.
type Result struct {
	// Digest of the pushed manifest or index, "sha256:...".
	Digest string
	// MediaType of the pushed manifest or index.
	MediaType string
	// Ref is REPOSITORY@DIGEST, the immutable name of what was pushed.
	Ref string
	// Tags are the full REPOSITORY:TAG names written, in the order given.
	Tags []string
}

// Push uploads opts.Layout to opts.Repository. Blobs and manifests already in
// the registry are not uploaded again (go-containerregistry checks with HEAD
// requests first), so pushing the same build twice transfers no blob.
func Push(ctx context.Context, opts Options) (*Result, error) {
	if opts.Repository == "" {
		return nil, errors.New("no repository given")
	}
	t, digest, mt, err := Open(opts.Layout, opts.Index)
	if err != nil {
		return nil, err
	}
	repo, err := ParseRepository(opts.Repository, opts.Insecure)
	if err != nil {
		return nil, err
	}
	tags, err := parseTags(repo, opts.Tags)
	if err != nil {
		return nil, err
	}
	registry := repo.RegistryStr()

	keychain := opts.Keychain
	if keychain == nil {
		keychain = authn.DefaultKeychain
	}
	auth, err := authn.Resolve(ctx, keychain, repo)
	if err != nil {
		return nil, fmt.Errorf("reading credentials for %s: %w", registry, err)
	}
	anonymous := auth == authn.Anonymous

	rt, err := transportFor(opts.Transport, opts.Insecure)
	if err != nil {
		return nil, err
	}
	pusher, err := remote.NewPusher(
		remote.WithContext(ctx),
		remote.WithAuth(auth),
		remote.WithTransport(rt),
		remote.WithUserAgent("rules_tiny"),
	)
	if err != nil {
		return nil, err
	}

	if opts.Log != nil {
		names := make([]string, len(tags))
		for i, t := range tags {
			names[i] = t.TagStr()
		}
		tagList := "none, by digest only"
		if len(names) > 0 {
			tagList = strings.Join(names, ", ")
		}
		fmt.Fprintf(opts.Log, "pushing %s to %s (tags: %s)\n", digest, repo, tagList)
	}
	var first name.Reference = repo.Digest(digest.String())
	if len(tags) > 0 {
		first = tags[0]
	}
	if err := pusher.Push(ctx, first, t); err != nil {
		return nil, explain(err, repo, anonymous)
	}
	res := &Result{
		Digest:    digest.String(),
		MediaType: string(mt),
		Ref:       repo.Digest(digest.String()).String(),
	}
	for i, tag := range tags {
		// The first tag went with the upload; the rest only need their
		// manifest PUT, which Push does after finding every blob present.
		if i > 0 {
			if err := pusher.Push(ctx, tag, t); err != nil {
				return nil, explain(err, repo, anonymous)
			}
		}
		res.Tags = append(res.Tags, tag.String())
		if opts.Log != nil {
			fmt.Fprintf(opts.Log, "tagged %s -> %s\n", tag.String(), digest)
		}
	}
	return res, nil
}

// ParseRepository parses HOST/PATH, rejecting a tag or digest in it, and
// marks loopback registries (or any, with insecure) as allowed to use HTTP.
func ParseRepository(s string, insecure bool) (name.Repository, error) {
	if strings.Contains(s, "@") {
		return name.Repository{}, fmt.Errorf("repository %q has a digest; give the repository only", s)
	}
	// A bare name would silently mean Docker Hub; pushing there by accident
	// is costly, so the registry must be spelled out.
	first, rest, ok := strings.Cut(s, "/")
	if !ok || rest == "" || !strings.ContainsAny(first, ".:") && first != "localhost" {
		return name.Repository{}, fmt.Errorf("repository %q has no registry host; write it as HOST/PATH (e.g. docker.io/user/app or 127.0.0.1:5000/app)", s)
	}
	if strings.Contains(rest, ":") {
		return name.Repository{}, fmt.Errorf("repository %q has a tag; pass tags with --tag", s)
	}
	var nopts []name.Option
	if insecure || isLoopback(first) {
		nopts = append(nopts, name.Insecure)
	}
	repo, err := name.NewRepository(s, nopts...)
	if err != nil {
		return name.Repository{}, fmt.Errorf("invalid repository %q: %v", s, err)
	}
	return repo, nil
}

func parseTags(repo name.Repository, tags []string) ([]name.Tag, error) {
	var out []name.Tag
	seen := map[string]bool{}
	for _, t := range tags {
		if seen[t] {
			continue
		}
		seen[t] = true
		if t == "" || strings.ContainsAny(t, ":/@") {
			return nil, fmt.Errorf("invalid tag %q", t)
		}
		tag, err := name.NewTag(repo.String()+":"+t, name.StrictValidation)
		if err != nil {
			return nil, fmt.Errorf("invalid tag %q: %v", t, err)
		}
		// NewTag loses the insecure mark; carry the repository's over.
		out = append(out, repo.Tag(tag.TagStr()))
	}
	return out, nil
}

// isLoopback reports whether host (with or without port) names this machine.
func isLoopback(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Open reads the layout and returns what to push: the single manifest that
// index.json lists, or with asIndex the index.json itself as an image index.
// Every blob it reaches is checked against its digest first.
func Open(dir string, asIndex bool) (remote.Taggable, v1.Hash, types.MediaType, error) {
	fail := func(format string, a ...any) (remote.Taggable, v1.Hash, types.MediaType, error) {
		return nil, v1.Hash{}, "", fmt.Errorf(format, a...)
	}
	if dir == "" {
		return fail("no layout directory given")
	}
	if err := checkLayout(dir); err != nil {
		return fail("%v", err)
	}
	indexJSON := filepath.Join(dir, "index.json")
	raw, err := os.ReadFile(indexJSON)
	if err != nil {
		return fail("%s is not an OCI image layout: %v", dir, err)
	}
	root, err := newIndex(layoutDir(dir), raw, indexJSON)
	if err != nil {
		return fail("%v", err)
	}
	if asIndex {
		if len(root.m.Manifests) == 0 {
			return fail("%s lists no manifests", indexJSON)
		}
		if err := root.verify(); err != nil {
			return fail("%v", err)
		}
		return root, root.digest, root.mt, nil
	}
	if n := len(root.m.Manifests); n != 1 {
		return fail("%s lists %d manifests; expected exactly 1 (pass --index to push index.json itself as an image index)", indexJSON, n)
	}
	desc := root.m.Manifests[0]
	if !desc.MediaType.IsIndex() && !desc.MediaType.IsImage() {
		return fail("%s: manifest %s has media type %q, neither an image nor an index", dir, desc.Digest, desc.MediaType)
	}
	// Checks the listed manifest and everything below it.
	if err := root.verify(); err != nil {
		return fail("%v", err)
	}
	var t remote.Taggable
	if desc.MediaType.IsIndex() {
		t, err = root.ImageIndex(desc.Digest)
	} else {
		t, err = root.Image(desc.Digest)
	}
	if err != nil {
		return fail("%v", err)
	}
	return t, desc.Digest, desc.MediaType, nil
}

// checkLayout rejects directories that are not OCI image layouts with a
// message saying what is missing.
func checkLayout(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("layout directory: %v", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory (an OCI image layout is a directory with oci-layout and index.json)", dir)
	}
	b, err := os.ReadFile(filepath.Join(dir, "oci-layout"))
	if err != nil {
		return fmt.Errorf("%s is not an OCI image layout: %v", dir, err)
	}
	var ol struct {
		ImageLayoutVersion string `json:"imageLayoutVersion"`
	}
	if err := json.Unmarshal(b, &ol); err != nil || ol.ImageLayoutVersion == "" {
		return fmt.Errorf("%s: oci-layout is not a valid layout marker", dir)
	}
	return nil
}

// transportFor wraps the base transport with the plain-HTTP policy.
func transportFor(base http.RoundTripper, insecure bool) (http.RoundTripper, error) {
	if base == nil {
		dt, ok := remote.DefaultTransport.(*http.Transport)
		if !ok {
			return nil, errors.New("unexpected default transport type")
		}
		t := dt.Clone()
		if insecure {
			if t.TLSClientConfig == nil {
				t.TLSClientConfig = &tls.Config{}
			}
			t.TLSClientConfig.InsecureSkipVerify = true
		}
		base = t
	}
	return &httpPolicy{base: base, insecure: insecure}, nil
}

type httpPolicy struct {
	base     http.RoundTripper
	insecure bool
}

// ErrPlainHTTP is returned for a plain HTTP request to a non-loopback host
// without Insecure.
var ErrPlainHTTP = errors.New("plain HTTP is only used for loopback registries unless --insecure is given")

func (p *httpPolicy) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Scheme == "http" && !p.insecure && !isLoopback(r.URL.Host) {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, fmt.Errorf("refusing http://%s: %w", r.URL.Host, ErrPlainHTTP)
	}
	return p.base.RoundTrip(r)
}

// explain turns go-containerregistry errors into messages that name the
// registry and say what to do.
func explain(err error, repo name.Repository, anonymous bool) error {
	reg := repo.RegistryStr()
	var terr *transport.Error
	if errors.As(err, &terr) {
		switch terr.StatusCode {
		case http.StatusUnauthorized:
			if anonymous {
				return fmt.Errorf("registry %s: authentication required, and no credentials for it were found "+
					"(looked in $DOCKER_CONFIG/config.json, ~/.docker/config.json and their credential helpers, then podman's auth.json); "+
					"log in with `docker login %s` or set DOCKER_CONFIG: %v", reg, reg, err)
			}
			return fmt.Errorf("registry %s: authentication failed: the credentials found for it were rejected: %v", reg, err)
		case http.StatusForbidden:
			return fmt.Errorf("registry %s: access denied: the credentials do not allow pushing to %s: %v", reg, repo, err)
		}
		return fmt.Errorf("registry %s: pushing to %s: %v", reg, repo, err)
	}
	var cerr *tls.CertificateVerificationError
	if errors.As(err, &cerr) {
		return fmt.Errorf("registry %s: its TLS certificate is not trusted (%v); install the CA that signed it, or pass --insecure to skip verification: %v", reg, cerr.Err, err)
	}
	if errors.Is(err, ErrPlainHTTP) {
		return fmt.Errorf("registry %s: no TLS connection could be made and %v: %v", reg, ErrPlainHTTP, err)
	}
	var nerr net.Error
	var oerr *net.OpError
	if errors.As(err, &oerr) || errors.As(err, &nerr) {
		return fmt.Errorf("registry %s is unreachable: %v", reg, err)
	}
	return fmt.Errorf("registry %s: pushing to %s: %v", reg, repo, err)
}
