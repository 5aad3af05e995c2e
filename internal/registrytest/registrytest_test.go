package registrytest

import (
	"net/http"
	"testing"
)

func TestRequestKinds(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		want         Kind
	}{
		{"GET", "/v2/", KindPing},
		{"POST", "/v2/a/b/blobs/uploads/", KindBlobUpload},
		{"PATCH", "/v2/a/blobs/uploads/0123", KindBlobUpload},
		{"PUT", "/v2/a/blobs/uploads/0123", KindBlobUpload},
		{"HEAD", "/v2/a/blobs/sha256:00", KindBlobExists},
		{"GET", "/v2/a/blobs/sha256:00", KindBlobGet},
		{"PUT", "/v2/a/manifests/latest", KindManifestPut},
		{"HEAD", "/v2/a/manifests/latest", KindManifestHead},
		{"GET", "/v2/a/manifests/sha256:00", KindManifestGet},
		{"GET", "/v2/_catalog", KindOther},
	} {
		if got := classify(tc.method, tc.path); got != tc.want {
			t.Errorf("%s %s: %s, want %s", tc.method, tc.path, got, tc.want)
		}
	}
}

// The registry is real: it answers the distribution API's version check, and
// with users it challenges for basic auth and accepts the right password only.
func TestRegistryServesTheAPIAndEnforcesAuth(t *testing.T) {
	open := Start(t, Options{})
	resp, err := http.Get("http://" + open.Host + "/v2/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Docker-Distribution-API-Version") != "registry/2.0" {
		t.Errorf("GET /v2/: %d %v", resp.StatusCode, resp.Header)
	}

	locked := Start(t, Options{Users: map[string]string{"u": "p"}})
	for _, tc := range []struct {
		user, pass string
		want       int
	}{{"", "", 401}, {"u", "wrong", 401}, {"u", "p", 200}} {
		req, _ := http.NewRequest("GET", "http://"+locked.Host+"/v2/", nil)
		if tc.user != "" {
			req.SetBasicAuth(tc.user, tc.pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%q/%q: status %d, want %d", tc.user, tc.pass, resp.StatusCode, tc.want)
		}
		if tc.want == 401 && resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("401 without a challenge")
		}
	}
	if got := len(locked.Requests()); got != 3 {
		t.Errorf("recorded %d requests, want 3", got)
	}
}
