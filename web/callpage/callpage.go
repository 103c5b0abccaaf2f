// Package callpage serves the "call the shop" page: one very large call
// button, big captions of both sides, buttons for slower / louder / repeat
// / talk to a person, the shop's welcome cards as big buttons, in Chinese
// or English after the shop's language. The page is plain HTML, CSS and
// JavaScript embedded in the binary (no CDN, no build step); it calls over
// WebRTC with the signalling of telephony/webrtc.
//
// Routes: GET / (the page; ?shop=ID picks a shop, ?lang=zh|en a language;
// several shops and no ?shop give a shop picker) and GET /callpage/*
// (static assets).
package callpage

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/telephony/webrtc"
)

//go:embed assets
var assets embed.FS

// AssetPrefix is where the static files are served.
const AssetPrefix = "/callpage/"

// Shop is what the page shows of a served shop.
type Shop struct {
	ID        string
	Name      kb.Text
	Languages []string // offered, first is the default ("zh", "en")
	// Cards are the welcome cards per language, as the brain numbers them
	// (Key is the keypad digit the page sends back).
	Cards map[string][]dialog.Card
}

// Shops lists the shops the page offers, in order. It is called per
// request, so a reloaded shop shows at once.
type Shops func() []Shop

// FromShops describes shops for the page, with their cards numbered the
// way the brain numbers them (dialog.Engine's welcome: active FAQs of the
// shop's card list, at most kb.MaxCards, keys from "1").
func FromShops(shops ...*kb.Shop) []Shop {
	out := make([]Shop, 0, len(shops))
	for _, sh := range shops {
		s := Shop{ID: sh.ID(), Name: sh.Shop.Name, Cards: map[string][]dialog.Card{}}
		for _, l := range []string{kb.LangZH, kb.LangEN} {
			if sh.Shop.Welcome[l] == "" {
				continue
			}
			s.Languages = append(s.Languages, l)
			cards := []dialog.Card{}
			for _, id := range sh.Shop.Cards {
				q := sh.FAQ(id)
				if q == nil || !sh.Active(id) || len(cards) >= kb.MaxCards {
					continue
				}
				cards = append(cards, dialog.Card{Key: fmt.Sprint(len(cards) + 1), FAQ: id, Question: q.Question.Get(l)})
			}
			s.Cards[l] = cards
		}
		out = append(out, s)
	}
	return out
}

// FromBrains is FromShops over the shops of brains (*dialog.Engine,
// web.ShopBrain).
func FromBrains[B interface{ Shop() *kb.Shop }](brains ...B) []Shop {
	shops := make([]*kb.Shop, len(brains))
	for i, b := range brains {
		shops[i] = b.Shop()
	}
	return FromShops(shops...)
}

// Option configures the handler.
type Option func(*handler) error

// WithSignalPath sets the path of the signalling WebSocket (default
// webrtc.Path).
func WithSignalPath(p string) Option {
	return func(h *handler) error {
		if p == "" || p[0] != '/' {
			return fmt.Errorf("callpage: signal path %q must start with /", p)
		}
		h.signal = p
		return nil
	}
}

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(h *handler) error {
		if l == nil {
			return fmt.Errorf("callpage: nil logger")
		}
		h.log = l
		return nil
	}
}

type handler struct {
	shops  Shops
	signal string
	log    *slog.Logger
	page   *template.Template
	static http.Handler
	mux    *http.ServeMux
}

// Handler returns the page's http.Handler; mount it at "/" (it answers
// GET / and GET /callpage/...).
func Handler(shops Shops, opts ...Option) (http.Handler, error) {
	if shops == nil {
		return nil, fmt.Errorf("callpage: nil shops")
	}
	h := &handler{shops: shops, signal: webrtc.Path, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		if err := o(h); err != nil {
			return nil, err
		}
	}
	var err error
	h.page, err = template.ParseFS(assets, "assets/index.html")
	if err != nil {
		return nil, fmt.Errorf("callpage: template: %w", err)
	}
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		return nil, fmt.Errorf("callpage: assets: %w", err)
	}
	h.static = http.StripPrefix(AssetPrefix, http.FileServerFS(sub))
	h.mux = http.NewServeMux()
	h.mux.HandleFunc("GET /{$}", h.index)
	h.mux.HandleFunc("GET "+AssetPrefix+"{file}", h.asset)
	return h, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

func (h *handler) asset(w http.ResponseWriter, r *http.Request) {
	switch r.PathValue("file") {
	case "app.js", "app.css":
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	h.static.ServeHTTP(w, r)
}

// pageData is what index.html renders.
type pageData struct {
	Lang   string
	T      map[string]string
	Shop   *Shop
	Name   string
	Cards  []dialog.Card
	Picker []pickItem
	Other  string // link to the page in the other language, "" if none
	Config string // JSON for app.js, in a data attribute
	Status int
}

type pickItem struct {
	Name string
	URL  string
}

// config is handed to app.js.
type config struct {
	Shop   string            `json:"shop"`
	Lang   string            `json:"lang"`
	Signal string            `json:"signal"`
	Text   map[string]string `json:"text"`
	Cards  []dialog.Card     `json:"cards"`
}

func (h *handler) index(w http.ResponseWriter, r *http.Request) {
	shops := h.shops()
	q := r.URL.Query()
	lang := q.Get("lang")
	if lang != kb.LangZH && lang != kb.LangEN {
		lang = ""
	}
	d := pageData{Status: http.StatusOK}
	id := q.Get("shop")
	switch {
	case id == "" && len(shops) == 1:
		d.Shop = &shops[0]
	case id == "" && len(shops) == 0:
		d.Status = http.StatusNotFound
	case id != "":
		if i := slices.IndexFunc(shops, func(s Shop) bool { return s.ID == id }); i >= 0 {
			d.Shop = &shops[i]
		} else {
			d.Status = http.StatusNotFound
		}
	}
	if d.Shop != nil {
		if lang == "" || !slices.Contains(d.Shop.Languages, lang) {
			lang = kb.LangZH
			if len(d.Shop.Languages) > 0 {
				lang = d.Shop.Languages[0]
			}
		}
		d.Name = d.Shop.Name.Get(lang)
		d.Cards = d.Shop.Cards[lang]
		for _, l := range d.Shop.Languages {
			if l != lang {
				d.Other = "?shop=" + url.QueryEscape(d.Shop.ID) + "&lang=" + l
			}
		}
		cfg, err := json.Marshal(config{Shop: d.Shop.ID, Lang: lang, Signal: h.signal, Text: uiText[lang], Cards: orEmpty(d.Cards)})
		if err != nil {
			h.fail(w, err)
			return
		}
		d.Config = string(cfg)
	} else {
		if lang == "" {
			lang = kb.LangZH
		}
		for _, s := range shops {
			d.Picker = append(d.Picker, pickItem{Name: s.Name.Get(lang), URL: "?shop=" + url.QueryEscape(s.ID) + "&lang=" + lang})
		}
	}
	d.Lang, d.T = lang, uiText[lang]
	var buf bytes.Buffer
	if err := h.page.Execute(&buf, d); err != nil {
		h.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; connect-src 'self' ws: wss:; media-src 'self' blob: mediastream:")
	w.WriteHeader(d.Status)
	_, _ = w.Write(buf.Bytes())
}

func (h *handler) fail(w http.ResponseWriter, err error) {
	h.log.Error("call page", "err", err)
	http.Error(w, "internal error", http.StatusInternalServerError)
}

func orEmpty(c []dialog.Card) []dialog.Card {
	if c == nil {
		return []dialog.Card{}
	}
	return c
}
