package embed

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"unicode/utf8"
)

// File format of embed.bin, version 1. All integers and floats are
// little-endian; every section starts at a multiple of 4 bytes.
//
//	offset size            field
//	0      8               magic "CBEMBED\x00"
//	8      4               version (FormatVersion)
//	12     4               dims: components per vector (1..MaxDims)
//	16     4               nEN: English words (indices 0..nEN-1)
//	20     4               nZH: Chinese words (indices nEN..nEN+nZH-1)
//	24     4               blobLen: bytes of all words' UTF-8 text
//	28     4               slots: hash-table size, a power of two > n
//	32     4               maxZH: longest Chinese word, in runes
//	36     28              reserved, zero
//	64     4*dims          common component for English (float32, unit or zero)
//	       4*dims          common component for Chinese (float32, unit or zero)
//	       4*(n+1)         word offsets into blob (uint32, non-decreasing, last = blobLen)
//	       blobLen, pad 4  word text
//	       4*slots         hash table: word index+1, 0 = empty; FNV-1a 32 of the
//	                       word's bytes masked by slots-1, linear probing
//	       4*n             p(w): estimated unigram probability (float32, 0 < p <= 1)
//	       4*n             scale: the vector's quantisation step (float32, >= 0)
//	       dims*n          vectors: int8 components; component = scale * q
//
// The file ends right after the vectors; any other length is corrupt.
// Vectors are unit length before quantisation.
const (
	magic = "CBEMBED\x00"
	// FormatVersion is the version of embed.bin this package reads and writes.
	FormatVersion = 1
	// MaxDims bounds dims so that a corrupt header cannot ask for huge buffers.
	MaxDims = 1024
	// maxWords bounds the vocabulary for the same reason.
	maxWords   = 1 << 24
	headerSize = 64
)

// Language codes of the two vocabularies.
const (
	LangEN = "en"
	LangZH = "zh"
)

// Entry is one word of a Table.
type Entry struct {
	Word string
	Lang string    // LangEN or LangZH
	Vec  []float32 // any length-Dims vector; Write normalises it
	Prob float32   // estimated unigram probability; Write clamps it to (0, 1]
}

// Table is the content of an embedding file before encoding.
type Table struct {
	Dims    int
	Entries []Entry
	// Common holds per language the component Sentence removes from
	// sentence vectors (SIF); nil or zero means none.
	Common map[string][]float32
}

// Write encodes t in the embed.bin format. English entries are written
// before Chinese ones, each in the order given, so equal tables give equal
// bytes.
func Write(w io.Writer, t *Table) error {
	if t.Dims <= 0 || t.Dims > MaxDims {
		return fmt.Errorf("%w: dims %d", ErrInvalidTable, t.Dims)
	}
	if len(t.Entries) > maxWords {
		return fmt.Errorf("%w: %d words", ErrInvalidTable, len(t.Entries))
	}
	var order []int
	for _, lang := range []string{LangEN, LangZH} {
		for i, e := range t.Entries {
			if e.Lang == lang {
				order = append(order, i)
			}
		}
	}
	if len(order) != len(t.Entries) {
		return fmt.Errorf("%w: entry with a language other than %q or %q", ErrInvalidTable, LangEN, LangZH)
	}
	n := len(order)
	nEN := 0
	seen := make(map[string]bool, n)
	blobLen := 0
	maxZH := 0
	for _, i := range order {
		e := t.Entries[i]
		if e.Word == "" || !utf8.ValidString(e.Word) {
			return fmt.Errorf("%w: empty or invalid word at entry %d", ErrInvalidTable, i)
		}
		if seen[e.Word] {
			return fmt.Errorf("%w: duplicate word %q", ErrInvalidTable, e.Word)
		}
		seen[e.Word] = true
		if len(e.Vec) != t.Dims {
			return fmt.Errorf("%w: word %q has %d dims, want %d", ErrInvalidTable, e.Word, len(e.Vec), t.Dims)
		}
		if e.Lang == LangEN {
			nEN++
		} else {
			maxZH = max(maxZH, utf8.RuneCountInString(e.Word))
		}
		blobLen += len(e.Word)
	}
	if blobLen > math.MaxUint32/2 {
		return fmt.Errorf("%w: words too long", ErrInvalidTable)
	}
	slots := 1
	for slots < 2*n+1 {
		slots <<= 1
	}

	bw := bufio.NewWriterSize(w, 1<<16)
	var b4 [4]byte
	u32 := func(v uint32) {
		binary.LittleEndian.PutUint32(b4[:], v)
		bw.Write(b4[:])
	}
	f32 := func(v float32) { u32(math.Float32bits(v)) }

	bw.WriteString(magic)
	for _, v := range []uint32{FormatVersion, uint32(t.Dims), uint32(nEN), uint32(n - nEN), uint32(blobLen), uint32(slots), uint32(maxZH)} {
		u32(v)
	}
	bw.Write(make([]byte, headerSize-8-7*4))
	for _, lang := range []string{LangEN, LangZH} {
		c := unit(t.Common[lang], t.Dims)
		for _, x := range c {
			f32(x)
		}
	}
	off := 0
	u32(0)
	for _, i := range order {
		off += len(t.Entries[i].Word)
		u32(uint32(off))
	}
	for _, i := range order {
		bw.WriteString(t.Entries[i].Word)
	}
	bw.Write(make([]byte, pad4(blobLen)-blobLen))
	table := make([]uint32, slots)
	for k, i := range order {
		s := hashString(t.Entries[i].Word) & uint32(slots-1)
		for table[s] != 0 {
			s = (s + 1) & uint32(slots-1)
		}
		table[s] = uint32(k + 1)
	}
	for _, v := range table {
		u32(v)
	}
	for _, i := range order {
		p := t.Entries[i].Prob
		if !(p > 0) || math.IsInf(float64(p), 0) {
			p = math.SmallestNonzeroFloat32
		}
		f32(min(p, 1))
	}
	q := make([][]int8, 0, n)
	for _, i := range order {
		v := unit(t.Entries[i].Vec, t.Dims)
		var m float32
		for _, x := range v {
			m = max(m, float32(math.Abs(float64(x))))
		}
		scale := m / 127
		qv := make([]int8, t.Dims)
		if scale > 0 {
			for k, x := range v {
				qv[k] = int8(math.Round(float64(x / scale)))
			}
		}
		f32(scale)
		q = append(q, qv)
	}
	for _, qv := range q {
		for _, x := range qv {
			bw.WriteByte(byte(x))
		}
	}
	return bw.Flush()
}

// unit returns v scaled to unit length, or zeros when v is nil, short, zero
// or not finite.
func unit(v []float32, dims int) []float32 {
	out := make([]float32, dims)
	if len(v) != dims {
		return out
	}
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if !(s > 0) || math.IsInf(s, 0) {
		return out
	}
	inv := 1 / math.Sqrt(s)
	for i, x := range v {
		out[i] = float32(float64(x) * inv)
	}
	return out
}

func pad4(n int) int { return (n + 3) &^ 3 }

// FNV-1a, 32 bit.
const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

func hashString(s string) uint32 {
	h := uint32(fnvOffset)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= fnvPrime
	}
	return h
}

func hashBytes(b []byte) uint32 {
	h := uint32(fnvOffset)
	for _, c := range b {
		h ^= uint32(c)
		h *= fnvPrime
	}
	return h
}

// layout holds the section offsets of a parsed file.
type layout struct {
	dims, nEN, n, blobLen, slots, maxZH int
	common                              [2]int // EN, ZH
	offsets, blob, table, prob, scale   int
	vecs                                int
}

// parse validates data as an embed.bin file and returns its layout. It
// checks everything lookups rely on, so a parsed file never makes them
// read out of range.
func parse(data []byte) (layout, error) {
	var l layout
	if len(data) < headerSize {
		return l, fmt.Errorf("%w: %d bytes, shorter than the header", ErrFormat, len(data))
	}
	if string(data[:8]) != magic {
		return l, fmt.Errorf("%w: bad magic", ErrFormat)
	}
	h := func(i int) uint64 { return uint64(binary.LittleEndian.Uint32(data[8+4*i:])) }
	if v := h(0); v != FormatVersion {
		return l, fmt.Errorf("%w: version %d, want %d", ErrFormat, v, FormatVersion)
	}
	dims, nEN, nZH, blobLen, slots, maxZH := h(1), h(2), h(3), h(4), h(5), h(6)
	n := nEN + nZH
	switch {
	case dims == 0 || dims > MaxDims:
		return l, fmt.Errorf("%w: dims %d", ErrCorrupt, dims)
	case n > maxWords:
		return l, fmt.Errorf("%w: %d words", ErrCorrupt, n)
	case slots <= n || slots&(slots-1) != 0 || slots > 4*maxWords:
		return l, fmt.Errorf("%w: hash table of %d slots for %d words", ErrCorrupt, slots, n)
	case maxZH > 64:
		return l, fmt.Errorf("%w: longest Chinese word %d runes", ErrCorrupt, maxZH)
	}
	size := uint64(headerSize)
	l.common[0] = int(size)
	size += 4 * dims
	l.common[1] = int(size)
	size += 4 * dims
	l.offsets = int(size)
	size += 4 * (n + 1)
	l.blob = int(size)
	size += (blobLen + 3) &^ 3
	l.table = int(size)
	size += 4 * slots
	l.prob = int(size)
	size += 4 * n
	l.scale = int(size)
	size += 4 * n
	l.vecs = int(size)
	size += dims * n
	if size != uint64(len(data)) {
		return l, fmt.Errorf("%w: %d bytes, header implies %d", ErrCorrupt, len(data), size)
	}
	l.dims, l.nEN, l.n, l.blobLen, l.slots, l.maxZH = int(dims), int(nEN), int(n), int(blobLen), int(slots), int(maxZH)

	u32 := func(off int) uint32 { return binary.LittleEndian.Uint32(data[off:]) }
	f32 := func(off int) float32 { return math.Float32frombits(u32(off)) }
	prev := u32(l.offsets)
	if prev != 0 {
		return l, fmt.Errorf("%w: first word offset %d", ErrCorrupt, prev)
	}
	for i := 1; i <= l.n; i++ {
		o := u32(l.offsets + 4*i)
		if o <= prev || uint64(o) > blobLen {
			return l, fmt.Errorf("%w: word %d offset %d out of order or range", ErrCorrupt, i-1, o)
		}
		prev = o
	}
	if uint64(prev) != blobLen {
		return l, fmt.Errorf("%w: words end at %d, blob has %d bytes", ErrCorrupt, prev, blobLen)
	}
	for s := 0; s < l.slots; s++ {
		if v := u32(l.table + 4*s); uint64(v) > n {
			return l, fmt.Errorf("%w: hash slot %d holds word %d of %d", ErrCorrupt, s, v, n)
		}
	}
	for i := 0; i < l.n; i++ {
		p, sc := f32(l.prob+4*i), f32(l.scale+4*i)
		if !(p > 0 && p <= 1) {
			return l, fmt.Errorf("%w: word %d probability %v", ErrCorrupt, i, p)
		}
		if !(sc >= 0 && sc < 1e3) {
			return l, fmt.Errorf("%w: word %d scale %v", ErrCorrupt, i, sc)
		}
	}
	for _, c := range l.common {
		for k := 0; k < l.dims; k++ {
			if x := f32(c + 4*k); !(x >= -1 && x <= 1) {
				return l, fmt.Errorf("%w: common component value %v", ErrCorrupt, x)
			}
		}
	}
	return l, nil
}
