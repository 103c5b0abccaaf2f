package embed

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// fixtureDims is the dimension of the fixture space.
const fixtureDims = 8

// axis returns a vector mostly along dimension i with a little of j.
func axis(i, j int, mix float32) []float32 {
	v := make([]float32, fixtureDims)
	v[i] = 1
	v[j] += mix
	return v
}

// fixtureTable is a tiny space: money words along axis 0, parcel words
// along axis 1, time words along axis 2, function words along axis 7.
func fixtureTable() *Table {
	return &Table{
		Dims: fixtureDims,
		Entries: []Entry{
			{Word: "the", Lang: LangEN, Vec: axis(7, 6, 0.1), Prob: 0.05},
			{Word: "my", Lang: LangEN, Vec: axis(7, 5, 0.1), Prob: 0.005},
			{Word: "refund", Lang: LangEN, Vec: axis(0, 3, 0.1), Prob: 1e-5},
			{Word: "money", Lang: LangEN, Vec: axis(0, 3, 0.3), Prob: 1e-4},
			{Word: "back", Lang: LangEN, Vec: axis(3, 0, 0.5), Prob: 1e-3},
			{Word: "parcel", Lang: LangEN, Vec: axis(1, 4, 0.1), Prob: 1e-5},
			{Word: "package", Lang: LangEN, Vec: axis(1, 4, 0.2), Prob: 5e-5},
			{Word: "arrive", Lang: LangEN, Vec: axis(2, 1, 0.3), Prob: 5e-5},
			{Word: "ship", Lang: LangEN, Vec: axis(1, 2, 0.4), Prob: 5e-5},
			{Word: "do", Lang: LangEN, Vec: axis(7, 4, 0.2), Prob: 0.01},
			{Word: "not", Lang: LangEN, Vec: axis(6, 7, 0.2), Prob: 0.005},
			{Word: "can", Lang: LangEN, Vec: axis(7, 3, 0.2), Prob: 0.005},
			{Word: "o'clock", Lang: LangEN, Vec: axis(2, 5, 0.2), Prob: 1e-5},
			{Word: "café", Lang: LangEN, Vec: axis(5, 2, 0.2), Prob: 1e-5},
			{Word: "delivery", Lang: LangEN, Vec: axis(1, 2, 0.3), Prob: 1e-5},
			{Word: "退款", Lang: LangZH, Vec: axis(0, 3, 0.15), Prob: 1e-5},
			{Word: "退钱", Lang: LangZH, Vec: axis(0, 3, 0.25), Prob: 1e-5},
			{Word: "退", Lang: LangZH, Vec: axis(3, 0, 0.6), Prob: 5e-4},
			{Word: "钱", Lang: LangZH, Vec: axis(0, 5, 0.3), Prob: 5e-4},
			{Word: "快递", Lang: LangZH, Vec: axis(1, 2, 0.2), Prob: 1e-5},
			{Word: "包裹", Lang: LangZH, Vec: axis(1, 4, 0.15), Prob: 1e-5},
			{Word: "我", Lang: LangZH, Vec: axis(7, 5, 0.1), Prob: 0.02},
			{Word: "的", Lang: LangZH, Vec: axis(7, 6, 0.1), Prob: 0.02},
			{Word: "什么", Lang: LangZH, Vec: axis(7, 2, 0.1), Prob: 0.02},
			{Word: "时候", Lang: LangZH, Vec: axis(2, 7, 0.1), Prob: 1e-3},
			{Word: "什么时候", Lang: LangZH, Vec: axis(2, 7, 0.2), Prob: 1e-4},
			{Word: "到", Lang: LangZH, Vec: axis(2, 1, 0.4), Prob: 5e-4},
			{Word: "把", Lang: LangZH, Vec: axis(7, 1, 0.3), Prob: 1e-3},
			{Word: "门", Lang: LangZH, Vec: axis(4, 1, 0.3), Prob: 1e-3},
			{Word: "把门", Lang: LangZH, Vec: axis(4, 6, 0.3), Prob: 1e-4},
			{Word: "牌号", Lang: LangZH, Vec: axis(5, 6, 0.3), Prob: 1e-4},
			{Word: "门牌号", Lang: LangZH, Vec: axis(4, 5, 0.3), Prob: 1e-4},
			{Word: "中华人民共和国", Lang: LangZH, Vec: axis(6, 5, 0.1), Prob: 1e-5},
		},
		Common: map[string][]float32{LangEN: axis(7, 6, 0), LangZH: axis(7, 6, 0)},
	}
}

func fixtureBytes(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, fixtureTable()); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return b.Bytes()
}

func fixture(t testing.TB) *Space {
	t.Helper()
	s, err := Parse(fixtureBytes(t))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return s
}

func TestWriteDeterministic(t *testing.T) {
	a, b := fixtureBytes(t), fixtureBytes(t)
	if !bytes.Equal(a, b) {
		t.Fatal("two writes of one table differ")
	}
}

func TestLoadRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "embed.bin")
	if err := os.WriteFile(path, fixtureBytes(t), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	en, zh := s.Len()
	if s.Dims() != fixtureDims || en != 15 || zh != 18 {
		t.Fatalf("dims %d, en %d, zh %d; want %d, 15, 18", s.Dims(), en, zh, fixtureDims)
	}
	for _, e := range fixtureTable().Entries {
		v, ok := s.Word(e.Word)
		if !ok {
			t.Errorf("Word(%q) missing", e.Word)
			continue
		}
		want := unit(e.Vec, fixtureDims)
		for k := range v {
			if d := math.Abs(float64(v[k] - want[k])); d > 0.01 {
				t.Errorf("Word(%q)[%d] = %v, want %v", e.Word, k, v[k], want[k])
			}
		}
		if p, _ := s.Prob(e.Word); math.Abs(p-float64(e.Prob)) > 1e-9 {
			t.Errorf("Prob(%q) = %v, want %v", e.Word, p, e.Prob)
		}
	}
	if _, ok := s.Word("absent"); ok {
		t.Error("Word(absent) found")
	}
}

func TestLoadNotFound(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "none.bin"))
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}

func TestDefaultPath(t *testing.T) {
	t.Setenv(EnvFile, "")
	t.Setenv(EnvModels, "/models")
	if p, _ := DefaultPath(); p != "/models/embed/embed.bin" {
		t.Errorf("DefaultPath = %q with %s set", p, EnvModels)
	}
	t.Setenv(EnvFile, "/x/e.bin")
	if p, _ := DefaultPath(); p != "/x/e.bin" {
		t.Errorf("DefaultPath = %q with %s set", p, EnvFile)
	}
	t.Setenv(EnvFile, filepath.Join(t.TempDir(), "missing.bin"))
	if _, err := Default(); !errors.Is(err, ErrNotFound) {
		t.Errorf("Default with a missing file: %v, want ErrNotFound", err)
	}
}

func TestWriteInvalid(t *testing.T) {
	v := make([]float32, 2)
	tests := []struct {
		name string
		t    *Table
	}{
		{"no dims", &Table{}},
		{"wrong length", &Table{Dims: 3, Entries: []Entry{{Word: "a", Lang: LangEN, Vec: v}}}},
		{"duplicate", &Table{Dims: 2, Entries: []Entry{{Word: "a", Lang: LangEN, Vec: v}, {Word: "a", Lang: LangEN, Vec: v}}}},
		{"empty word", &Table{Dims: 2, Entries: []Entry{{Word: "", Lang: LangEN, Vec: v}}}},
		{"language", &Table{Dims: 2, Entries: []Entry{{Word: "a", Lang: "fr", Vec: v}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Write(&bytes.Buffer{}, tt.t); !errors.Is(err, ErrInvalidTable) {
				t.Fatalf("err = %v, want ErrInvalidTable", err)
			}
		})
	}
}

func TestParseCorrupt(t *testing.T) {
	good := fixtureBytes(t)
	mutate := func(f func(b []byte) []byte) []byte {
		return f(bytes.Clone(good))
	}
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrFormat},
		{"short", good[:10], ErrFormat},
		{"magic", mutate(func(b []byte) []byte { b[0] = 'X'; return b }), ErrFormat},
		{"version", mutate(func(b []byte) []byte { b[8] = 9; return b }), ErrFormat},
		{"truncated", good[:len(good)-1], ErrCorrupt},
		{"trailing", append(bytes.Clone(good), 0), ErrCorrupt},
		{"dims", mutate(func(b []byte) []byte { b[12] = 0; return b }), ErrCorrupt},
		{"huge counts", mutate(func(b []byte) []byte { b[19] = 0xff; return b }), ErrCorrupt},
		{"slot", mutate(func(b []byte) []byte {
			s, _ := Parse(good)
			b[s.l.table] = 0xff
			b[s.l.table+1] = 0xff
			return b
		}), ErrCorrupt},
		{"offset", mutate(func(b []byte) []byte {
			s, _ := Parse(good)
			b[s.l.offsets+4] = 0xff
			return b
		}), ErrCorrupt},
		{"prob", mutate(func(b []byte) []byte {
			s, _ := Parse(good)
			copy(b[s.l.prob:], []byte{0, 0, 0xc0, 0x7f}) // NaN
			return b
		}), ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse(tt.data); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestSegment(t *testing.T) {
	s := fixture(t)
	tests := []struct {
		text string
		want []string
	}{
		{"我的退款", []string{"我", "的", "退款"}},
		{"退钱什么时候到", []string{"退钱", "什么时候", "到"}},
		{"退了钱", []string{"退", "钱"}}, // 了 is unknown: skipped
		{"快递包裹", []string{"快递", "包裹"}},
		{"我把门牌号写错了", []string{"我", "把", "门牌号"}}, // not 把门 牌号
		{"把门", []string{"把门"}},
		{"中华人民共和国", []string{"中华人民共和国"}}, // longer than 4 runes still matches
		{"我要refund", []string{"我", "refund"}},
		{"My REFUND, the parcels!", []string{"my", "refund", "the", "parcel"}},
		{"shipping shipped arrived arriving", []string{"ship", "ship", "arrive", "arrive"}},
		{"packages monies deliveries", []string{"package", "delivery"}},
		{"don't can't", []string{"do", "not", "can", "not"}},
		{"five o'clock", []string{"o'clock"}},
		{"Café", []string{"café"}},
		{"the parcel’s", []string{"the", "parcel"}},
		{"123 ... ？", nil},
		{"", nil},
		{"\xff\xfe退款", []string{"退款"}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := s.Segment(tt.text); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Segment(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestSentence(t *testing.T) {
	s := fixture(t)
	refund := s.Sentence("my refund", LangEN)
	money := s.Sentence("the money back", LangEN)
	parcel := s.Sentence("the parcel", LangEN)
	zhRefund := s.Sentence("我的退款", LangZH)
	if !(Cos(refund, money) > Cos(refund, parcel)) {
		t.Errorf("cos(refund, money back) %.2f <= cos(refund, parcel) %.2f", Cos(refund, money), Cos(refund, parcel))
	}
	if c := Cos(refund, zhRefund); c < 0.9 {
		t.Errorf("cos(my refund, 我的退款) = %.2f, want >= 0.9", c)
	}
	if v := s.Sentence("???", LangEN); Cos(v, v) != 0 {
		t.Error("sentence of no known word is not zero")
	}
	// The common component (axis 7) is removed.
	if v := s.Sentence("the my", LangEN); math.Abs(float64(v[7])) > 1e-3 {
		t.Errorf("common component left: %v", v[7])
	}
	var ss float32
	for _, x := range refund {
		ss += x * x
	}
	if math.Abs(float64(ss)-1) > 1e-4 {
		t.Errorf("|Sentence|² = %v, want 1", ss)
	}
}

func TestCos(t *testing.T) {
	tests := []struct {
		a, b Vec
		want float32
	}{
		{Vec{1, 0}, Vec{1, 0}, 1},
		{Vec{1, 0}, Vec{0, 1}, 0},
		{Vec{1, 0}, Vec{-2, 0}, -1},
		{Vec{0, 0}, Vec{1, 0}, 0},
		{Vec{1}, Vec{1, 0}, 0},
		{nil, nil, 0},
	}
	for _, tt := range tests {
		if got := Cos(tt.a, tt.b); math.Abs(float64(got-tt.want)) > 1e-6 {
			t.Errorf("Cos(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestConcurrentSentence(t *testing.T) {
	s := fixture(t)
	want := s.Sentence("我的退款什么时候到", LangZH)
	done := make(chan Vec, 8)
	for range 8 {
		go func() { done <- s.Sentence("我的退款什么时候到", LangZH) }()
	}
	for range 8 {
		if got := <-done; !reflect.DeepEqual(got, want) {
			t.Fatal("concurrent Sentence differs")
		}
	}
}

func FuzzParse(f *testing.F) {
	good := fixtureBytes(f)
	f.Add(good)
	f.Add(good[:headerSize])
	f.Add([]byte(magic))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data)
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v is neither ErrFormat nor ErrCorrupt", err)
			}
			return
		}
		// Whatever parses must be usable.
		s.Sentence("我的退款什么时候到 my refund o'clock shipping", LangZH)
		s.Word("refund")
	})
}

func BenchmarkSentenceFixture(b *testing.B) {
	s := fixture(b)
	b.ReportAllocs()
	for b.Loop() {
		s.Sentence("我的退款什么时候到", LangZH)
	}
}
