package callpage

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/dialogtest"
	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/kb/kbtest"
)

// TestFromShopsMatchesBrain: the page's cards are the brain's welcome
// cards, keys included (the page sends the key back as a keypad digit).
func TestFromShopsMatchesBrain(t *testing.T) {
	for _, shop := range []*kb.Shop{kbtest.DemoShop(t), kbtest.StarterShop(t)} {
		e, err := dialog.New(shop, dialogtest.NewMemStore(false))
		if err != nil {
			t.Fatal(err)
		}
		got := FromShops(shop)[0]
		if viaBrain := FromBrains(e)[0]; !reflect.DeepEqual(viaBrain, got) {
			t.Errorf("FromBrains %+v, FromShops %+v", viaBrain, got)
		}
		if len(got.Languages) == 0 {
			t.Fatalf("%s: no languages", shop.ID())
		}
		for _, lang := range got.Languages {
			w, err := e.Start(t.Context(), dialog.StartOptions{Lang: lang, Channel: "webrtc"})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Cards[lang], w.Cards) {
				t.Errorf("%s %s: page cards %+v, brain's %+v", shop.ID(), lang, got.Cards[lang], w.Cards)
			}
		}
	}
}

func get(t *testing.T, h http.Handler, url string) (int, http.Header, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, rec.Header(), string(body)
}

var configRE = regexp.MustCompile(`data-config="([^"]*)"`)

func pageConfig(t *testing.T, body string) config {
	t.Helper()
	m := configRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no data-config on the page")
	}
	var c config
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &c); err != nil {
		t.Fatalf("config: %v", err)
	}
	return c
}

func TestIndex(t *testing.T) {
	demo := FromShops(kbtest.DemoShop(t))
	evil := Shop{ID: "evil", Name: kb.Text{"en": `<script>alert(1)</script>"`}, Languages: []string{"en"},
		Cards: map[string][]dialog.Card{"en": {{Key: "1", FAQ: "x", Question: `<img src=x onerror=alert(1)>`}}}}
	one, err := Handler(func() []Shop { return demo })
	if err != nil {
		t.Fatal(err)
	}
	two, err := Handler(func() []Shop { return append(append([]Shop(nil), demo...), evil) }, WithSignalPath("/ws/other"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		h        http.Handler
		url      string
		code     int
		contains []string
		absent   []string
		lang     string // config lang, "" when no call page
		cards    int
	}{
		{"one shop default language", one, "/", 200, []string{`lang="zh-CN"`, "拨打", "说慢一点", "大声一点", "再说一遍", "转人工", `data-key="1"`, ">English</a>"}, nil, "zh", 6},
		{"english", one, "/?lang=en", 200, []string{`lang="en"`, ">Call<", "Slower", "Louder", "Repeat", "Talk to a person", ">中文</a>"}, []string{"拨打"}, "en", 6},
		{"unknown language falls back", one, "/?lang=fr", 200, []string{"拨打"}, nil, "zh", 6},
		{"picker", two, "/", 200, []string{"请选择要拨打的店铺", "?shop=evil&amp;lang=zh"}, []string{`data-config`, "<script>alert"}, "", 0},
		{"picked", two, "/?shop=evil", 200, []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x"}, []string{"<script>alert", "<img src=x"}, "en", 1},
		{"unknown shop", two, "/?shop=nope", 404, []string{"没有找到这家店铺"}, []string{"data-config"}, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, hdr, body := get(t, tt.h, tt.url)
			if code != tt.code {
				t.Fatalf("status %d, want %d", code, tt.code)
			}
			if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("content type %q", ct)
			}
			if hdr.Get("Content-Security-Policy") == "" {
				t.Error("no CSP")
			}
			for _, s := range tt.contains {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(body, s) {
					t.Errorf("page has %q", s)
				}
			}
			if tt.lang == "" {
				return
			}
			c := pageConfig(t, body)
			if c.Lang != tt.lang || len(c.Cards) != tt.cards || c.Text["call"] != uiText[tt.lang]["call"] {
				t.Errorf("config %+v", c)
			}
			if tt.h == two && c.Signal != "/ws/other" || tt.h == one && c.Signal != "/ws/call" {
				t.Errorf("signal path %q", c.Signal)
			}
		})
	}
}

func TestAssets(t *testing.T) {
	h, err := Handler(func() []Shop { return nil })
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		url, ctype string
		code       int
	}{
		{"/callpage/app.js", "text/javascript", 200},
		{"/callpage/app.css", "text/css", 200},
		{"/callpage/index.html", "", 404},
		{"/callpage/../callpage.go", "", 307}, // the mux cleans the path: /callpage.go, then 404
		{"/favicon.ico", "", 404},
	} {
		code, hdr, body := get(t, h, tt.url)
		if code != tt.code {
			t.Errorf("%s: status %d, want %d", tt.url, code, tt.code)
			continue
		}
		if tt.code == 200 && (!strings.HasPrefix(hdr.Get("Content-Type"), tt.ctype) || len(body) < 100) {
			t.Errorf("%s: %q, %d bytes", tt.url, hdr.Get("Content-Type"), len(body))
		}
	}
	// No shops at all: the page says so instead of failing.
	if code, _, body := get(t, h, "/"); code != 404 || !strings.Contains(body, "没有找到") {
		t.Errorf("no shops: %d %q", code, body)
	}
}

// TestUITextComplete: both languages have every key, and every key the
// template and app.js use exists.
func TestUITextComplete(t *testing.T) {
	for k := range uiText["zh"] {
		if uiText["en"][k] == "" {
			t.Errorf("en lacks %q", k)
		}
	}
	for k := range uiText["en"] {
		if uiText["zh"][k] == "" {
			t.Errorf("zh lacks %q", k)
		}
	}
	used := regexp.MustCompile(`\.T\.(\w+)|\bT\.(\w+)`)
	for _, f := range []string{"assets/index.html", "assets/app.js"} {
		b, err := assets.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			k := m[1] + m[2]
			if uiText["en"][k] == "" {
				t.Errorf("%s uses missing text %q", f, k)
			}
		}
	}
}

func TestHandlerErrors(t *testing.T) {
	if _, err := Handler(nil); err == nil {
		t.Error("nil shops accepted")
	}
	if _, err := Handler(func() []Shop { return nil }, WithSignalPath("ws")); err == nil {
		t.Error("relative signal path accepted")
	}
}
