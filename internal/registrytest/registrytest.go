// Package registrytest runs a real OCI distribution registry
// (github.com/distribution/distribution/v3, the code behind the "registry"
// image) inside a test process, on 127.0.0.1 with a random port and storage
// in a temporary directory, optionally behind htpasswd basic auth. Every
// request passes through a counter so tests can assert what a client uploaded.
//
// It is test support only: nothing in the shipped tool imports it.
package registrytest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"
	"github.com/sirupsen/logrus"
	"golang.org/x/crypto/bcrypt"

	// The registry finds its auth and storage backends through registration
	// side effects of these packages.
	_ "github.com/distribution/distribution/v3/registry/auth/htpasswd"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
)

// Options configures a registry.
type Options struct {
	// Users, when non-empty, turns on htpasswd basic auth with these
	// user -> password pairs (stored bcrypt-hashed, as htpasswd -B does).
	Users map[string]string
	// Dir is the storage root; a fresh t.TempDir() when empty.
	Dir string
	// Addr is the listen address; "127.0.0.1:0" (a random loopback port)
	// when empty.
	Addr string
	// TLS serves HTTPS with a fresh self-signed certificate (which no client
	// trusts) instead of plain HTTP.
	TLS bool
}

// Registry is a running registry. Host is "127.0.0.1:PORT" (or the Addr
// asked for, with its port), the form image references use.
type Registry struct {
	Host string
	Dir  string

	srv *http.Server
	app *handlers.App

	mu   sync.Mutex
	reqs []Request
}

// Request is one request the registry received, reduced to what tests assert on.
type Request struct {
	Method string
	Path   string
	Kind   Kind
	Status int
}

// Kind classifies a registry API request by the distribution spec's endpoints.
type Kind string

const (
	KindPing         Kind = "ping"          // GET /v2/
	KindBlobUpload   Kind = "blob-upload"   // POST/PATCH/PUT .../blobs/uploads/...
	KindBlobExists   Kind = "blob-exists"   // HEAD .../blobs/<digest>
	KindBlobGet      Kind = "blob-get"      // GET .../blobs/<digest>
	KindManifestPut  Kind = "manifest-put"  // PUT .../manifests/<ref>
	KindManifestHead Kind = "manifest-head" // HEAD .../manifests/<ref>
	KindManifestGet  Kind = "manifest-get"  // GET .../manifests/<ref>
	KindOther        Kind = "other"
)

func classify(method, path string) Kind {
	switch {
	case path == "/v2/" || path == "/v2":
		return KindPing
	case strings.Contains(path, "/blobs/uploads"):
		return KindBlobUpload
	case strings.Contains(path, "/blobs/") && method == http.MethodHead:
		return KindBlobExists
	case strings.Contains(path, "/blobs/") && method == http.MethodGet:
		return KindBlobGet
	case strings.Contains(path, "/manifests/") && method == http.MethodPut:
		return KindManifestPut
	case strings.Contains(path, "/manifests/") && method == http.MethodHead:
		return KindManifestHead
	case strings.Contains(path, "/manifests/") && method == http.MethodGet:
		return KindManifestGet
	}
	return KindOther
}

var quietOnce sync.Once

// Start runs a registry until the test ends.
func Start(t testing.TB, opts Options) *Registry {
	t.Helper()
	r, err := start(opts, t.TempDir)
	if err != nil {
		t.Fatalf("starting registry: %v", err)
	}
	t.Cleanup(r.Close)
	return r
}

func start(opts Options, tempDir func() string) (*Registry, error) {
	// The registry logs every request at info level through logrus' global
	// logger; tests only care about failures.
	quietOnce.Do(func() {
		if os.Getenv("REGISTRYTEST_LOG") == "" {
			logrus.SetOutput(io.Discard)
		}
	})
	dir := opts.Dir
	if dir == "" {
		dir = tempDir()
	}
	cfg := &configuration.Configuration{}
	cfg.Log.Level = "error"
	cfg.Log.AccessLog.Disabled = true
	cfg.HTTP.Secret = "registrytest-upload-state-secret"
	cfg.Storage = configuration.Storage{
		"filesystem": configuration.Parameters{"rootdirectory": filepath.Join(dir, "storage")},
		// The purger would start a goroutine that outlives the test.
		"maintenance": configuration.Parameters{"uploadpurging": map[any]any{"enabled": false}},
		"delete":      configuration.Parameters{"enabled": true},
	}
	if len(opts.Users) > 0 {
		path := filepath.Join(dir, "htpasswd")
		if err := writeHtpasswd(path, opts.Users); err != nil {
			return nil, err
		}
		cfg.Auth = configuration.Auth{
			"htpasswd": configuration.Parameters{"realm": "registrytest", "path": path},
		}
	}
	app := handlers.NewApp(context.Background(), cfg)

	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	r := &Registry{Host: ln.Addr().String(), Dir: dir, app: app}
	// Clients that reject the certificate make the server log handshake
	// errors; the tests assert on the client's side.
	r.srv = &http.Server{Handler: r.count(app), ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	if opts.TLS {
		cert, err := selfSigned(ln.Addr().(*net.TCPAddr).IP)
		if err != nil {
			ln.Close()
			return nil, err
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}})
	}
	go r.srv.Serve(ln)
	return r, nil
}

// selfSigned makes a throwaway certificate for ip, 127.0.0.1 and localhost.
func selfSigned(ip net.IP) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "registrytest"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1"), ip},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// writeHtpasswd writes user:bcrypt-hash lines, sorted for a stable file.
func writeHtpasswd(path string, users map[string]string) error {
	names := make([]string, 0, len(users))
	for u := range users {
		names = append(names, u)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, u := range names {
		// MinCost keeps tests fast; the registry accepts any bcrypt cost.
		h, err := bcrypt.GenerateFromPassword([]byte(users[u]), bcrypt.MinCost)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s:%s\n", u, h)
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (r *Registry) count(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, req)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		r.mu.Lock()
		r.reqs = append(r.reqs, Request{
			Method: req.Method,
			Path:   req.URL.Path,
			Kind:   classify(req.Method, req.URL.Path),
			Status: sw.status,
		})
		r.mu.Unlock()
	})
}

// Requests returns the requests served so far, in arrival order.
func (r *Registry) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.reqs...)
}

// Reset forgets the requests recorded so far.
func (r *Registry) Reset() {
	r.mu.Lock()
	r.reqs = nil
	r.mu.Unlock()
}

// Count returns how many recorded requests are of kind k.
func (r *Registry) Count(k Kind) int {
	n := 0
	for _, q := range r.Requests() {
		if q.Kind == k {
			n++
		}
	}
	return n
}

// Close stops the server; storage stays on disk until the test's TempDir goes.
// It closes connections at once rather than waiting for them to go idle: a
// client's abandoned TLS probe (clients try https before http) would otherwise
// hold a graceful shutdown for five seconds.
func (r *Registry) Close() {
	r.srv.Close()
	r.app.Shutdown()
}
