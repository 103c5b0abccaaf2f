package console

import (
	"embed"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
)

//go:embed assets
var assets embed.FS

// Pages of the console; each is the same page shell, which draws the view
// its path names. Pages need a login (else a redirect to /console/login).
var Pages = []string{"agent", "knowledge", "training", "metrics", "users"}

func (c *Console) pageRoutes(m *http.ServeMux) {
	static, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // embedded at build time: cannot fail
	}
	files := http.StripPrefix(PagePrefix+"assets/", http.FileServerFS(static))
	m.Handle("GET /console/assets/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	}))
	m.HandleFunc("GET /console/login", func(w http.ResponseWriter, r *http.Request) { c.page(w, r) })
	m.HandleFunc("GET /console/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, PagePrefix+"agent", http.StatusSeeOther)
	})
	m.HandleFunc("GET /console/{page}", func(w http.ResponseWriter, r *http.Request) {
		if !slices.Contains(Pages, r.PathValue("page")) {
			http.NotFound(w, r)
			return
		}
		if _, err := c.current(r); err != nil {
			http.Redirect(w, r, PagePrefix+"login?next="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
			return
		}
		c.page(w, r)
	})
}

// page serves the page shell.
func (c *Console) page(w http.ResponseWriter, r *http.Request) {
	b, err := assets.ReadFile("assets/index.html")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}
