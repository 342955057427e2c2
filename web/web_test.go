package web

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func get(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, "http://tailcast.test/", nil)
	// Set the path raw, as a hostile client would send it: httptest.NewRequest
	// and http.ServeMux would both clean it first.
	req.URL.Path = target
	req.RequestURI = target
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func TestHandlerServesAssets(t *testing.T) {
	h := Handler()
	tests := []struct {
		path      string
		ctype     string
		contains  string
		wantCSP   bool
		wantBytes bool
	}{
		{"/", "text/html; charset=utf-8", `<script type="module" src="app.js">`, true, true},
		{"/index.html", "text/html; charset=utf-8", "<title>tailcast</title>", true, true},
		{"/app.js", "text/javascript; charset=utf-8", "import { Ring } from './ring.js'", false, true},
		{"/ring.js", "text/javascript; charset=utf-8", "export class Ring", false, true},
		{"/conn.js", "text/javascript; charset=utf-8", "export class Conn", false, true},
		{"/filters.js", "text/javascript; charset=utf-8", "export function wsURL", false, true},
		{"/histogram.js", "text/javascript; charset=utf-8", "export class Histogram", false, true},
		{"/style.css", "text/css; charset=utf-8", "--row-h", false, true},
		{"/favicon.svg", "image/svg+xml", "<svg", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res := get(t, h, http.MethodGet, tt.path, nil)
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status: got %d, want 200", res.StatusCode)
			}
			if got := res.Header.Get("Content-Type"); got != tt.ctype {
				t.Errorf("content-type: got %q, want %q", got, tt.ctype)
			}
			if !strings.Contains(string(body), tt.contains) {
				t.Errorf("body: got %d bytes without %q", len(body), tt.contains)
			}
			if got := res.Header.Get("Cache-Control"); got != "no-cache" {
				t.Errorf("cache-control: got %q, want no-cache", got)
			}
			if et := res.Header.Get("ETag"); !strings.HasPrefix(et, `"`) || len(et) < 10 {
				t.Errorf("etag: got %q, want a strong quoted tag", et)
			}
			if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("x-content-type-options: got %q, want nosniff", got)
			}
			if got := res.Header.Get("Content-Security-Policy"); (got != "") != tt.wantCSP {
				t.Errorf("content-security-policy: got %q, want present=%v", got, tt.wantCSP)
			}
		})
	}
}

func TestHandlerConditionalGet(t *testing.T) {
	h := Handler()
	first := get(t, h, http.MethodGet, "/app.js", nil)
	etag := first.Header.Get("ETag")
	tests := []struct {
		name        string
		ifNoneMatch string
		want        int
	}{
		{"same etag", etag, http.StatusNotModified},
		{"other etag", `"0000"`, http.StatusOK},
		{"wildcard", "*", http.StatusNotModified},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := get(t, h, http.MethodGet, "/app.js", map[string]string{"If-None-Match": tt.ifNoneMatch})
			if res.StatusCode != tt.want {
				t.Errorf("status: got %d, want %d", res.StatusCode, tt.want)
			}
		})
	}
	// Different content, different tag: a changed asset is never a 304.
	if a, b := etag, get(t, h, http.MethodGet, "/ring.js", nil).Header.Get("ETag"); a == b {
		t.Errorf("etag: got %q for both app.js and ring.js, want distinct", a)
	}
}

func TestHandlerRefusesOutsideEmbed(t *testing.T) {
	h := Handler()
	tests := []string{
		"/../go.mod",
		"/../../etc/passwd",
		"/%2e%2e/go.mod",
		"/%2e%2e/",
		"/..%2fgo.mod",
		"/static/index.html",
		"/./index.html",
		"//index.html",
		"/index.html/",
		"/..\\go.mod",
		"/web.go",
		"/doc.go",
		"/test/package.json",
		"/nope.js",
		"",
	}
	for _, p := range tests {
		t.Run(p, func(t *testing.T) {
			res := get(t, h, http.MethodGet, p, nil)
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusBadRequest {
				t.Fatalf("status: got %d, want 404 or 400", res.StatusCode)
			}
			if strings.Contains(string(body), "module github.com") || strings.Contains(string(body), "root:") {
				t.Errorf("body: got file contents from outside the embed")
			}
		})
	}
}

// TestHandlerRawRequests sends the traversal paths over a real socket, so
// nothing between the client and the handler normalises them first.
func TestHandlerRawRequests(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	tests := []struct {
		path string
		want int
	}{
		{"/", 200},
		{"/../go.mod", 404},
		{"/%2e%2e/go.mod", 404},
		{"/%2e%2e/", 404},
		{"/%2E%2E%2Fgo.mod", 404},
		{"/..;/go.mod", 404},
		{"/%00", 404},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			c, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			if _, err := io.WriteString(c, "GET "+tt.path+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			res, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("read response: %v", err)
			}
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.want {
				t.Errorf("status: got %d, want %d", res.StatusCode, tt.want)
			}
			if strings.Contains(string(body), "module github.com") {
				t.Errorf("body: got go.mod")
			}
		})
	}
}

func TestHandlerMethods(t *testing.T) {
	h := Handler()
	tests := []struct {
		method string
		want   int
		body   bool
	}{
		{http.MethodGet, 200, true},
		{http.MethodHead, 200, false},
		{http.MethodPost, 405, true},
		{http.MethodPut, 405, true},
		{http.MethodDelete, 405, true},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			res := get(t, h, tt.method, "/", nil)
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.want {
				t.Errorf("status: got %d, want %d", res.StatusCode, tt.want)
			}
			if tt.want == 405 && res.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("allow: got %q, want %q", res.Header.Get("Allow"), "GET, HEAD")
			}
			if (len(body) > 0) != tt.body {
				t.Errorf("body: got %d bytes, want body=%v", len(body), tt.body)
			}
		})
	}
}

func TestNewHandlerNeedsIndex(t *testing.T) {
	tests := []struct {
		name    string
		fs      fstest.MapFS
		wantErr bool
	}{
		{"index present", fstest.MapFS{"s/index.html": {Data: []byte("<p>")}, "s/a.weird": {Data: []byte("x")}}, false},
		{"no index", fstest.MapFS{"s/app.js": {Data: []byte("x")}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := newHandler(tt.fs, "s")
			if (err != nil) != tt.wantErr {
				t.Fatalf("err: got %v, want error=%v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			// Unknown extensions are sniffed, not guessed from the host.
			if got := h.assets["/a.weird"].ctype; got != "text/plain; charset=utf-8" {
				t.Errorf("content-type: got %q, want sniffed text/plain", got)
			}
		})
	}
}
