package push

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rules-tiny/rules_tiny/internal/registrytest"
)

// The tests below put misbehaving network peers in front of the client: a
// socket that accepts and never answers, a server streaming an endless
// body, and a real registry behind a proxy that fails, redirects or points
// at a token service in ways the client must refuse. Each must end within
// its timeout with an error that says what happened.

// fast are timeouts short enough for tests.
var fast = Timeouts{Connect: 2 * time.Second, TLS: 2 * time.Second, Response: time.Second, Idle: time.Second}

// silentServer accepts connections and never writes a byte.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	return ln.Addr().String()
}

func TestRegistryThatNeverAnswersTimesOut(t *testing.T) {
	isolateCredentials(t)
	dir, _ := imageLayout(t)
	host := silentServer(t)
	start := time.Now()
	_, err := Push(pushCtx(t), Options{Layout: dir, Repository: host + "/app", Timeouts: fast, Retries: -1})
	took := time.Since(start)
	if err == nil {
		t.Fatal("push to a silent server succeeded")
	}
	t.Logf("after %v: %v", took, err)
	if !strings.Contains(err.Error(), "did not answer within 1s (--response-timeout)") && !strings.Contains(err.Error(), "stopped answering") {
		t.Errorf("error %q does not name the timeout", err)
	}
	if strings.Contains(err.Error(), "unreachable") {
		t.Errorf("a server that accepted the connection is called unreachable: %v", err)
	}
	if took > 15*time.Second {
		t.Errorf("took %v with 1s timeouts", took)
	}
}

// handlerServer serves h on 127.0.0.1 with net/http.
func handlerServer(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// flakyPing answers the ping (GET /v2/) with body, and everything else
// with a quick 503; it counts the ping bytes the client took.
func flakyPing(t *testing.T, body func(w http.ResponseWriter) error) (string, *atomic.Int64) {
	var sent atomic.Int64
	host := handlerServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v2/" {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
		for {
			if err := body(w); err != nil {
				return
			}
			sent.Add(1)
		}
	}))
	return host, &sent
}

// go-containerregistry drains the ping's body to its end: an endless one
// used to keep tiny push reading forever.
func TestEndlessResponseBodyIsCut(t *testing.T) {
	isolateCredentials(t)
	dir, _ := imageLayout(t)
	chunk := []byte(strings.Repeat("x", 64<<10))
	host, chunks := flakyPing(t, func(w http.ResponseWriter) error { _, err := w.Write(chunk); return err })
	start := time.Now()
	_, err := Push(pushCtx(t), Options{Layout: dir, Repository: host + "/app", Timeouts: Timeouts{Response: 30 * time.Second}, Retries: -1})
	took := time.Since(start)
	if err == nil {
		t.Fatal("push succeeded")
	}
	t.Logf("after %v, %d KiB of body sent: %v", took, chunks.Load()*64, err)
	if took > 20*time.Second {
		t.Errorf("took %v", took)
	}
	// What the server got into the socket: the client's cut plus what
	// kernel buffers held.
	if n := chunks.Load() * int64(len(chunk)); n > 4*MaxResponseBody {
		t.Errorf("the client took %d bytes of an endless body (cut at %d)", n, MaxResponseBody)
	}
}

func TestSlowDripResponseBodyIsCut(t *testing.T) {
	isolateCredentials(t)
	dir, _ := imageLayout(t)
	host, drops := flakyPing(t, func(w http.ResponseWriter) error {
		if _, err := w.Write([]byte("x")); err != nil {
			return err
		}
		w.(http.Flusher).Flush()
		time.Sleep(100 * time.Millisecond)
		return nil
	})
	start := time.Now()
	_, err := Push(pushCtx(t), Options{Layout: dir, Repository: host + "/app", Timeouts: fast, Retries: -1})
	took := time.Since(start)
	if err == nil {
		t.Fatal("push succeeded")
	}
	t.Logf("after %v, %d bytes dripped: %v", took, drops.Load(), err)
	if took > 10*time.Second {
		t.Errorf("took %v with a 1s response timeout", took)
	}
}

// proxy puts a real registry behind a handler that may answer a request
// itself (returning true) instead of passing it on.
func proxy(t *testing.T, reg *registrytest.Registry, intercept func(w http.ResponseWriter, r *http.Request) bool) string {
	t.Helper()
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: reg.Host})
	return handlerServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !intercept(w, r) {
			rp.ServeHTTP(w, r)
		}
	}))
}

func TestServerErrorsAreRetriedThenSucceed(t *testing.T) {
	isolateCredentials(t)
	reg := registrytest.Start(t, registrytest.Options{})
	dir, want := imageLayout(t)
	var failures atomic.Int32
	host := proxy(t, reg, func(w http.ResponseWriter, r *http.Request) bool {
		// The first two manifest uploads meet a 503 and a 429.
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/") {
			switch failures.Add(1) {
			case 1:
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return true
			case 2:
				http.Error(w, "slow down", http.StatusTooManyRequests)
				return true
			}
		}
		return false
	})
	res, err := Push(pushCtx(t), Options{Layout: dir, Repository: host + "/retried", Tags: []string{"v1"}, Timeouts: fast})
	if err != nil {
		t.Fatal(err)
	}
	if res.Digest != want.String() || failures.Load() != 3 {
		t.Errorf("pushed %s after %d manifest PUTs; want %s after 3", res.Digest, failures.Load(), want)
	}
}

func TestRetriesAreBounded(t *testing.T) {
	isolateCredentials(t)
	reg := registrytest.Start(t, registrytest.Options{})
	dir, _ := imageLayout(t)
	var puts atomic.Int32
	host := proxy(t, reg, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/") {
			puts.Add(1)
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	_, err := Push(pushCtx(t), Options{Layout: dir, Repository: host + "/down", Tags: []string{"v1"}, Timeouts: fast, Retries: 1})
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("err = %v, want the 503", err)
	}
	if n := puts.Load(); n != 2 {
		t.Errorf("%d manifest PUTs with one retry, want 2", n)
	}
}

// A registry (here a proxy in front of one) may redirect requests
// elsewhere. A redirect to plain HTTP on another machine is refused by our
// policy, one to a private address by go-containerregistry's; either way the
// error says a redirect was refused and why, rather than calling the
// registry unreachable.
func TestRefusedRedirectIsNamed(t *testing.T) {
	isolateCredentials(t)
	reg := registrytest.Start(t, registrytest.Options{})
	dir, _ := imageLayout(t)
	for _, tc := range []struct{ target, why string }{
		{"http://registry.example.com/upload", ErrPlainHTTP.Error()},
		{"https://10.1.2.3/upload", "private or link-local"},
	} {
		host := proxy(t, reg, func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method == http.MethodHead && strings.Contains(r.URL.Path, "/blobs/") {
				http.Redirect(w, r, tc.target, http.StatusTemporaryRedirect)
				return true
			}
			return false
		})
		_, err := Push(pushCtx(t), Options{Layout: dir, Repository: host + "/redirected", Timeouts: fast, Retries: -1})
		if err == nil {
			t.Fatalf("push followed a redirect to %s", tc.target)
		}
		t.Logf("error: %v", err)
		if !strings.Contains(err.Error(), "refused") || !strings.Contains(err.Error(), "redirect") || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("error %q does not name the refused redirect and why (%s)", err, tc.why)
		}
		if strings.Contains(err.Error(), "unreachable") {
			t.Errorf("a refused redirect is reported as unreachable: %v", err)
		}
	}
}

func TestRefusedTokenURLIsNamed(t *testing.T) {
	isolateCredentials(t)
	reg := registrytest.Start(t, registrytest.Options{})
	dir, _ := imageLayout(t)
	realm := "http://auth.example.com/token"
	host := proxy(t, reg, func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm=%q,service="registry"`, realm))
		http.Error(w, `{"errors":[{"code":"UNAUTHORIZED"}]}`, http.StatusUnauthorized)
		return true
	})
	_, err := Push(pushCtx(t), Options{Layout: dir, Repository: host + "/token", Timeouts: fast, Retries: -1})
	if err == nil {
		t.Fatal("push fetched a token over plain HTTP from another host")
	}
	t.Logf("error: %v", err)
	if !strings.Contains(err.Error(), "refused the token URL to "+realm) {
		t.Errorf("error %q does not name the refused token URL", err)
	}
	if strings.Contains(err.Error(), "unreachable") {
		t.Errorf("a refused token URL is reported as unreachable: %v", err)
	}
}
