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
// Every network step is bounded in time (Timeouts): connecting, the TLS
// handshake, waiting for a response, and any stretch of silence on a
// connection; response bodies are bounded in size. Requests that fail with
// 429 or a 5xx status are retried a bounded number of times with growing
// pauses.
//
// Pushing writes nothing locally.
package push

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/rules-tiny/rules_tiny/tools/image/reference"
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
	// Transport is the base HTTP transport; when nil, one built from
	// Timeouts.
	Transport http.RoundTripper
	// Timeouts bound each network step; zero fields take DefaultTimeouts'.
	Timeouts Timeouts
	// Retries is how many times a request that failed with 429 or a 5xx
	// status (or a dropped connection) is tried again; 0 means
	// DefaultRetries, a negative value none.
	Retries int
	// Log receives one line per tag written; nothing when nil.
	Log io.Writer
}

// Timeouts bound the steps of every request.
type Timeouts struct {
	// Connect bounds establishing a TCP connection.
	Connect time.Duration
	// TLS bounds the TLS handshake.
	TLS time.Duration
	// Response bounds the wait for a response's headers once the request
	// is sent, and then the reading of its body.
	Response time.Duration
	// Idle bounds any stretch without a byte sent or received on a
	// connection in use (a stalled upload or a registry that went quiet).
	Idle time.Duration
}

// DefaultTimeouts are generous for a registry under load and still end a
// push to one that hangs in minutes, not never.
var DefaultTimeouts = Timeouts{Connect: 30 * time.Second, TLS: 30 * time.Second, Response: 2 * time.Minute, Idle: 2 * time.Minute}

// DefaultRetries is the number of retries of a failed request.
const DefaultRetries = 3

// MaxResponseBody bounds what is read of any response body: a push only
// gets small JSON answers from a registry.
const MaxResponseBody = 4 << 20

func (t Timeouts) withDefaults() Timeouts {
	d := DefaultTimeouts
	if t.Connect > 0 {
		d.Connect = t.Connect
	}
	if t.TLS > 0 {
		d.TLS = t.TLS
	}
	if t.Response > 0 {
		d.Response = t.Response
	}
	if t.Idle > 0 {
		d.Idle = t.Idle
	}
	return d
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

	timeouts := opts.Timeouts.withDefaults()
	rt := transportFor(opts.Transport, opts.Insecure, timeouts)
	retries := opts.Retries
	if retries == 0 {
		retries = DefaultRetries
	}
	// go-containerregistry counts attempts, the first included; a pause of
	// 1s, then 3s, 9s... before each retry.
	backoff := remote.Backoff{Duration: time.Second, Factor: 3, Jitter: 0.1, Steps: max(retries, 0) + 1}
	pusher, err := remote.NewPusher(
		remote.WithContext(ctx),
		remote.WithAuth(auth),
		remote.WithTransport(rt),
		remote.WithUserAgent("rules_tiny"),
		remote.WithRetryBackoff(backoff),
		remote.WithRetryStatusCodes(http.StatusTooManyRequests, http.StatusRequestTimeout,
			http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout),
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
		return nil, explain(err, repo, anonymous, timeouts)
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
				return nil, explain(err, repo, anonymous, timeouts)
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
// The name is checked by package reference, the project's one reader of
// image references; go-containerregistry only gets names that passed.
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
	if err := reference.CheckRepository(s); err != nil {
		return name.Repository{}, err
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
		if err := reference.CheckTag(t); err != nil {
			return nil, err
		}
		out = append(out, repo.Tag(t))
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
	if err := checkDir(dir); err != nil {
		return fail("%v", err)
	}
	l, err := openLayout(dir)
	if err != nil {
		return fail("%v", err)
	}
	raw, err := readIndexJSON(dir)
	if err != nil {
		return fail("%s is not an OCI image layout: %v", dir, err)
	}
	root, err := newIndex(l, dir, raw, dir+"/index.json")
	if err != nil {
		return fail("%v", err)
	}
	indexJSON := dir + "/index.json"
	if asIndex {
		if len(root.m.Manifests) == 0 {
			return fail("%s lists no manifests", indexJSON)
		}
		return root, root.digest, root.mt, nil
	}
	if n := len(root.m.Manifests); n != 1 {
		return fail("%s lists %d manifests; expected exactly 1 (pass --index to push index.json itself as an image index)", indexJSON, n)
	}
	desc := root.m.Manifests[0]
	var t remote.Taggable
	switch {
	case desc.MediaType.IsIndex():
		t, err = root.ImageIndex(desc.Digest)
	case desc.MediaType.IsImage():
		t, err = root.Image(desc.Digest)
	default:
		return fail("%s: manifest %s has media type %q, neither an image nor an index", dir, desc.Digest, desc.MediaType)
	}
	if err != nil {
		return fail("%v", err)
	}
	return t, desc.Digest, desc.MediaType, nil
}

// transportFor builds the HTTP transport (unless base is given) with the
// timeouts, and wraps it with the plain-HTTP policy and the response bounds.
func transportFor(base http.RoundTripper, insecure bool, to Timeouts) http.RoundTripper {
	if base == nil {
		dialer := &net.Dialer{Timeout: to.Connect, KeepAlive: 30 * time.Second}
		t := &http.Transport{
			Proxy: http.ProxyFromEnvironment,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				c, err := dialer.DialContext(ctx, network, addr)
				if err != nil {
					return nil, err
				}
				return &idleConn{Conn: c, idle: to.Idle}, nil
			},
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          100,
			MaxIdleConnsPerHost:   50,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   to.TLS,
			ResponseHeaderTimeout: to.Response,
			ExpectContinueTimeout: time.Second,
		}
		if insecure {
			t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
		}
		base = t
	}
	return &httpPolicy{base: base, insecure: insecure, bodyTime: to.Response}
}

// idleConn fails a read or write that makes no progress for idle: each
// call gets a fresh deadline. (An idle pooled connection that times out is
// just closed and redialled by net/http.)
type idleConn struct {
	net.Conn
	idle time.Duration
}

func (c *idleConn) Read(p []byte) (int, error) {
	c.Conn.SetReadDeadline(time.Now().Add(c.idle))
	n, err := c.Conn.Read(p)
	if err != nil && errors.Is(err, errDeadline) {
		err = &IdleTimeoutError{Idle: c.idle, Err: err}
	}
	return n, err
}

func (c *idleConn) Write(p []byte) (int, error) {
	c.Conn.SetWriteDeadline(time.Now().Add(c.idle))
	n, err := c.Conn.Write(p)
	if err != nil && errors.Is(err, errDeadline) {
		err = &IdleTimeoutError{Idle: c.idle, Err: err}
	}
	return n, err
}

// IdleTimeoutError is a connection on which nothing moved for too long.
type IdleTimeoutError struct {
	Idle time.Duration
	Err  error
}

func (e *IdleTimeoutError) Error() string {
	return fmt.Sprintf("nothing sent or received for %v: %v", e.Idle, e.Err)
}
func (e *IdleTimeoutError) Unwrap() error { return e.Err }
func (e *IdleTimeoutError) Timeout() bool { return true }

type httpPolicy struct {
	base     http.RoundTripper
	insecure bool
	bodyTime time.Duration
}

// ErrPlainHTTP is returned for a plain HTTP request to a non-loopback host
// without Insecure.
var ErrPlainHTTP = errors.New("plain HTTP is only used for loopback registries unless --insecure is given")

// RefusedError is a request this client would not send: why, and what
// asked for it (a redirect from the registry, or its token service).
type RefusedError struct {
	URL    string
	Reason error
	What   string // "redirect", "token URL" or "request"
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("refused the %s to %s: %v", e.What, e.URL, e.Reason)
}
func (e *RefusedError) Unwrap() error { return e.Reason }

func (p *httpPolicy) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Scheme == "http" && !p.insecure && !isLoopback(r.URL.Host) {
		if r.Body != nil {
			r.Body.Close()
		}
		what := "request"
		switch {
		case r.Response != nil:
			what = "redirect" // net/http sets Response on requests it makes to follow one
		case !strings.HasPrefix(r.URL.Path, "/v2"):
			what = "token URL" // every registry API path starts with /v2
		}
		return nil, &RefusedError{URL: r.URL.Redacted(), Reason: ErrPlainHTTP, What: what}
	}
	resp, err := p.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resp.Body = &boundedBody{rc: resp.Body, left: MaxResponseBody, deadline: time.Now().Add(p.bodyTime), host: r.URL.Host}
	return resp, nil
}

// boundedBody ends a response body that is too long or too slow: a
// registry answering a push sends a few kilobytes of JSON.
type boundedBody struct {
	rc       io.ReadCloser
	left     int64
	deadline time.Time
	host     string
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, fmt.Errorf("response from %s is longer than %d bytes", b.host, MaxResponseBody)
	}
	if time.Now().After(b.deadline) {
		return 0, fmt.Errorf("response from %s took too long to arrive", b.host)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *boundedBody) Close() error { return b.rc.Close() }

// explain turns go-containerregistry errors into messages that name the
// registry and say what to do.
func explain(err error, repo name.Repository, anonymous bool, to Timeouts) error {
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
	var refused *RefusedError
	if errors.As(err, &refused) {
		if refused.What == "request" {
			return fmt.Errorf("registry %s: no TLS connection could be made and %v: %v", reg, ErrPlainHTTP, err)
		}
		return fmt.Errorf("registry %s: %v", reg, refused)
	}
	var idle *IdleTimeoutError
	if errors.As(err, &idle) {
		return fmt.Errorf("registry %s stopped answering: nothing was sent or received for %v (--idle-timeout): %v", reg, idle.Idle, err)
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "SSRF protection: redirect"):
		// go-containerregistry's own refusal (it has no error type).
		return fmt.Errorf("registry %s: refused a redirect to a private or link-local address (go-containerregistry's SSRF protection): %v", reg, err)
	case strings.Contains(msg, "timeout awaiting response headers"):
		return fmt.Errorf("registry %s did not answer within %v (--response-timeout): %v", reg, to.Response, err)
	case strings.Contains(msg, "TLS handshake timeout"):
		return fmt.Errorf("registry %s: the TLS handshake did not finish within %v (--tls-timeout): %v", reg, to.TLS, err)
	}
	var oerr *net.OpError
	if errors.As(err, &oerr) && oerr.Op == "dial" {
		if oerr.Timeout() {
			return fmt.Errorf("registry %s is unreachable: no connection within %v (--connect-timeout): %v", reg, to.Connect, err)
		}
		return fmt.Errorf("registry %s is unreachable: %v", reg, err)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return fmt.Errorf("registry %s is unreachable: %v", reg, err)
	}
	return fmt.Errorf("registry %s: pushing to %s: %v", reg, repo, err)
}

// errDeadline is what a connection returns once its deadline passed.
var errDeadline = os.ErrDeadlineExceeded
