// Package embed owns callbee's pretrained word vectors: one English and
// Chinese vocabulary in a shared 100-dimensional space (GloVe vectors; a
// Chinese word's vector is bridged from its CC-CEDICT English glosses), read
// from embed.bin (format in format.go, built by cmd/embedbuild, installed by
// scripts/fetch-embeddings.sh). It turns a caller's sentence into a weighted
// average vector (Sentence) so that paraphrases with different words still
// land near each other (Cos). The file is optional: Default returns
// ErrNotFound when it is not installed and callers carry on without it.
package embed

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
)

// Environment variables Default reads.
const (
	// EnvFile names the embedding file directly.
	EnvFile = "CALLBEE_EMBED"
	// EnvModels names the models directory; the file is embed/embed.bin in it.
	EnvModels = "CALLBEE_MODELS"
)

// DefaultSIF is the a of the sentence weights a/(a+p(w)) (Arora et al.,
// 2017, "A simple but tough-to-beat baseline for sentence embeddings").
const DefaultSIF = 5e-4

// Vec is a vector in the space; Sentence returns unit vectors.
type Vec []float32

// Space is a loaded embedding file. It is immutable and safe for concurrent
// use.
type Space struct {
	data []byte
	l    layout
	sif  float32
	// keepCommon skips removing the common component in Sentence.
	keepCommon bool
}

// Option configures Load.
type Option func(*Space) error

// WithSIF sets the a of the word weights a/(a+p(w)); larger values weigh
// frequent words more. The default is DefaultSIF.
func WithSIF(a float64) Option {
	return func(s *Space) error {
		if !(a > 0 && a <= 1) {
			return fmt.Errorf("embed: SIF weight %v out of (0, 1]", a)
		}
		s.sif = float32(a)
		return nil
	}
}

// Load reads the embedding file at path with one read; lookups then work on
// the file's bytes without further allocation.
func Load(path string, opts ...Option) (*Space, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, path)
		}
		return nil, fmt.Errorf("embed: %w", err)
	}
	s, err := Parse(data, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	return s, nil
}

// Parse returns the Space encoded in data, which it keeps: the caller must
// not modify data afterwards.
func Parse(data []byte, opts ...Option) (*Space, error) {
	l, err := parse(data)
	if err != nil {
		return nil, err
	}
	s := &Space{data: data, l: l, sif: DefaultSIF}
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// DefaultPath returns where Default looks for the file: $CALLBEE_EMBED, or
// embed/embed.bin under $CALLBEE_MODELS (default ~/.cache/callbee).
func DefaultPath() (string, error) {
	if p := os.Getenv(EnvFile); p != "" {
		return p, nil
	}
	dir := os.Getenv(EnvModels)
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("%w: no %s and no home directory: %v", ErrNotFound, EnvModels, err)
		}
		dir = filepath.Join(home, ".cache", "callbee")
	}
	return filepath.Join(dir, "embed", "embed.bin"), nil
}

// Default loads the file at DefaultPath. It returns an error wrapping
// ErrNotFound when the file is not installed.
func Default(opts ...Option) (*Space, error) {
	p, err := DefaultPath()
	if err != nil {
		return nil, err
	}
	return Load(p, opts...)
}

// Dims returns the number of components of the space's vectors.
func (s *Space) Dims() int { return s.l.dims }

// Len returns the number of English and Chinese words.
func (s *Space) Len() (en, zh int) { return s.l.nEN, s.l.n - s.l.nEN }

// Size returns the size of the file in bytes.
func (s *Space) Size() int { return len(s.data) }

// Word returns the unit vector of w as stored (English words lower case,
// Chinese words simplified), or false when w is not in the vocabulary.
func (s *Space) Word(w string) (Vec, bool) {
	i := s.lookup(w)
	if i < 0 {
		return nil, false
	}
	v := make(Vec, s.l.dims)
	s.add(v, i, 1)
	return v, true
}

// Prob returns the estimated unigram probability of w, or false when w is
// not in the vocabulary.
func (s *Space) Prob(w string) (float64, bool) {
	i := s.lookup(w)
	if i < 0 {
		return 0, false
	}
	return float64(s.prob(i)), true
}

// lookup returns the index of w, or -1.
func (s *Space) lookup(w string) int {
	mask := uint32(s.l.slots - 1)
	h := hashString(w) & mask
	for range s.l.slots {
		k := binary.LittleEndian.Uint32(s.data[s.l.table+4*int(h):])
		if k == 0 {
			return -1
		}
		if string(s.word(int(k-1))) == w {
			return int(k - 1)
		}
		h = (h + 1) & mask
	}
	return -1
}

// lookupBytes is lookup for a byte slice, without allocating.
func (s *Space) lookupBytes(w []byte) int {
	mask := uint32(s.l.slots - 1)
	h := hashBytes(w) & mask
	for range s.l.slots {
		k := binary.LittleEndian.Uint32(s.data[s.l.table+4*int(h):])
		if k == 0 {
			return -1
		}
		if string(s.word(int(k-1))) == string(w) {
			return int(k - 1)
		}
		h = (h + 1) & mask
	}
	return -1
}

// word returns word i's text, sharing the file's bytes.
func (s *Space) word(i int) []byte {
	a := binary.LittleEndian.Uint32(s.data[s.l.offsets+4*i:])
	b := binary.LittleEndian.Uint32(s.data[s.l.offsets+4*i+4:])
	return s.data[s.l.blob+int(a) : s.l.blob+int(b)]
}

func (s *Space) prob(i int) float32 {
	return math.Float32frombits(binary.LittleEndian.Uint32(s.data[s.l.prob+4*i:]))
}

// weight is the SIF weight a/(a+p(w)) of word i.
func (s *Space) weight(i int) float32 { return s.sif / (s.sif + s.prob(i)) }

// add adds w times word i's vector to v.
func (s *Space) add(v Vec, i int, w float32) {
	sc := w * math.Float32frombits(binary.LittleEndian.Uint32(s.data[s.l.scale+4*i:]))
	q := s.data[s.l.vecs+i*s.l.dims : s.l.vecs+(i+1)*s.l.dims]
	v = v[:len(q)]
	for k, b := range q {
		v[k] += sc * float32(int8(b))
	}
}

// common returns the common component of lang's sentences (zero if none).
func (s *Space) common(lang string) []byte {
	off := s.l.common[0]
	if lang == LangZH {
		off = s.l.common[1]
	}
	return s.data[off : off+4*s.l.dims]
}

// Cos returns the cosine similarity of a and b, 0 if either is zero or their
// lengths differ.
func Cos(a, b Vec) float32 {
	if len(a) != len(b) {
		return 0
	}
	var ab, aa, bb float32
	for i := range a {
		ab += a[i] * b[i]
		aa += a[i] * a[i]
		bb += b[i] * b[i]
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / float32(math.Sqrt(float64(aa)*float64(bb)))
}
