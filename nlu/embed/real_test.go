package embed

import (
	"errors"
	"runtime"
	"testing"
	"time"
)

// realSpace loads the installed embedding file or skips the test.
func realSpace(t testing.TB) *Space {
	t.Helper()
	s, err := Default()
	if errors.Is(err, ErrNotFound) {
		t.Skipf("no embedding file (scripts/fetch-embeddings.sh): %v", err)
	}
	if err != nil {
		t.Fatalf("Default: %v", err)
	}
	return s
}

func TestRealLoad(t *testing.T) {
	realSpace(t) // skip early when absent
	p, _ := DefaultPath()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	s, err := Load(p)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	en, zh := s.Len()
	t.Logf("loaded %s: %d bytes, %d English + %d Chinese words, %v, heap +%.1f MB",
		p, s.Size(), en, zh, took, float64(after.HeapAlloc-before.HeapAlloc)/1e6)
	if s.Size() > 25<<20 {
		t.Errorf("file is %d bytes, want <= 25 MiB", s.Size())
	}
	runtime.KeepAlive(s)
}

func TestRealNeighbours(t *testing.T) {
	s := realSpace(t)
	tests := []struct {
		a, aLang, b, bLang, other, otherLang string
	}{
		{"退款", LangZH, "退钱", LangZH, "快递", LangZH},
		{"refund", LangEN, "money back", LangEN, "parcel", LangEN},
		{"快递", LangZH, "包裹", LangZH, "退款", LangZH},
		{"parcel", LangEN, "package", LangEN, "refund", LangEN},
		{"退款", LangZH, "refund", LangEN, "parcel", LangEN},
		{"包裹", LangZH, "parcel", LangEN, "refund", LangEN},
		{"发票", LangZH, "receipt", LangEN, "delivery", LangEN},
		{"我的钱什么时候退回来", LangZH, "退款多久到账", LangZH, "快递到哪了", LangZH},
		{"when do I get my money back", LangEN, "how long does a refund take", LangEN, "where is my parcel", LangEN},
	}
	for _, tt := range tests {
		a, b, o := s.Sentence(tt.a, tt.aLang), s.Sentence(tt.b, tt.bLang), s.Sentence(tt.other, tt.otherLang)
		ab, ao := Cos(a, b), Cos(a, o)
		t.Logf("cos(%s, %s) = %.2f; cos(%s, %s) = %.2f", tt.a, tt.b, ab, tt.a, tt.other, ao)
		if ab <= ao {
			t.Errorf("%s is nearer %s (%.2f) than %s (%.2f)", tt.a, tt.other, ao, tt.b, ab)
		}
	}
}

func TestRealSegment(t *testing.T) {
	s := realSpace(t)
	for _, text := range []string{"我想退款", "我的快递什么时候到", "你们几点关门", "这个衣服可以退货吗", "Where's my parcel? I ordered it on Monday."} {
		t.Logf("%s → %q", text, s.Segment(text))
	}
}

func BenchmarkSentenceZH(b *testing.B) {
	s := realSpace(b)
	b.ReportAllocs()
	for b.Loop() {
		s.Sentence("喂你好我上个礼拜买的那个衣服到现在还没到我想问一下快递到哪了", LangZH)
	}
}

func BenchmarkSentenceEN(b *testing.B) {
	s := realSpace(b)
	b.ReportAllocs()
	for b.Loop() {
		s.Sentence("hi I ordered a jacket last week and it still hasn't arrived, where is my parcel", LangEN)
	}
}
