package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var static embed.FS

// asset is one embedded file, ready to serve.
type asset struct {
	name  string // base name, for http.ServeContent
	data  []byte
	ctype string
	etag  string
}

// contentTypes is explicit so that serving does not depend on the host's
// mime.types (ES modules must be served as JavaScript or browsers refuse them).
var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".svg":         "image/svg+xml",
	".json":        "application/json",
	".webmanifest": "application/manifest+json",
	".png":         "image/png",
	".ico":         "image/x-icon",
	".txt":         "text/plain; charset=utf-8",
}

// csp keeps the page to its own origin: no inline script, no CDN, and the
// websocket only to the server that served the page.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

type handler struct {
	assets map[string]*asset // by URL path, "/" included
}

// Handler returns the viewer: index.html at "/" and the other embedded files
// at their paths below static/ ("/app.js", ...). Anything else is 404; only
// GET and HEAD are allowed.
//
// Every response carries a strong ETag (a hash of the content) and
// "Cache-Control: no-cache", so browsers revalidate with If-None-Match and get
// a 304 when nothing changed. The ES modules import each other by plain names,
// so they cannot be cached blindly without risking a mix of versions after an
// upgrade.
func Handler() http.Handler {
	h, err := newHandler(static, "static")
	if err != nil {
		// The tree is embedded at build time; failing here is a build defect.
		panic("web: " + err.Error())
	}
	return h
}

func newHandler(fsys fs.FS, root string) (*handler, error) {
	h := &handler{assets: map[string]*asset{}}
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		ctype, ok := contentTypes[path.Ext(p)]
		if !ok {
			ctype = http.DetectContentType(data)
		}
		urlPath := strings.TrimPrefix(p, root)
		h.assets[urlPath] = &asset{
			name:  path.Base(p),
			data:  data,
			ctype: ctype,
			etag:  `"` + hex.EncodeToString(sum[:12]) + `"`,
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	index, ok := h.assets["/index.html"]
	if !ok {
		return nil, fs.ErrNotExist
	}
	h.assets["/"] = index
	return h, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	// Exact lookup of the (already decoded) path: "..", "%2e%2e", "//" or a
	// backslash can only ever miss the table.
	a, ok := h.assets[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", a.ctype)
	hd.Set("ETag", a.etag)
	hd.Set("Cache-Control", "no-cache")
	hd.Set("X-Content-Type-Options", "nosniff")
	if a.ctype == contentTypes[".html"] {
		hd.Set("Content-Security-Policy", csp)
		hd.Set("Referrer-Policy", "no-referrer")
	}
	// ServeContent answers If-None-Match with 304, HEAD and Range.
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(a.data))
}
