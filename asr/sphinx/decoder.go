package sphinx

/*
#cgo pkg-config: pocketsphinx sphinxbase
#include <stdlib.h>
#include <stdio.h>
#include <pocketsphinx.h>
#include <err.h>

// cb_init parses argv into a config and creates a decoder; the decoder
// retains the config, so it is released here.
static ps_decoder_t *cb_init(int argc, char **argv) {
	err_set_logfp(NULL);
	cmd_ln_t *c = cmd_ln_parse_r(NULL, ps_args(), argc, argv, 1);
	if (c == NULL) return NULL;
	ps_decoder_t *ps = ps_init(c);
	cmd_ln_free_r(c);
	return ps;
}

static double cb_exp(ps_decoder_t *ps, int32 logp) {
	return logmath_exp(ps_get_logmath(ps), logp);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"github.com/callbee/callbee/asr"
)

// framesPerSecond is pocketsphinx's feature frame rate (-frate default).
const framesPerSecond = 100

// decoder is one pocketsphinx decoder with every search of a grammar set
// loaded. It is not safe for concurrent use: a stream owns it while it is
// checked out of the pool.
type decoder struct {
	ps     *C.ps_decoder_t
	rate   int
	search string // current search
	inUtt  bool
	// decoded is the audio decoded since creation: below coldAudio the
	// cepstral mean estimate is still the model's initial one.
	decoded time.Duration
	nbest   int // n-best hypotheses kept from the n-gram search (0: none)
}

// abort ends an utterance whose result nobody wants.
func (d *decoder) abort() {
	if d.inUtt {
		C.ps_end_utt(d.ps)
		d.inUtt = false
	}
}

// newDecoder creates a decoder for m with the dictionary at dictPath and
// the searches: JSGF texts by name, and an ARPA LM file for asr.SearchLM.
func newDecoder(m Model, dictPath string, grammars map[string]string, lmPath string, extra []string) (*decoder, error) {
	args := []string{"callbee", "-hmm", m.HMM, "-dict", dictPath, "-logfn", "/dev/null",
		"-samprate", fmt.Sprint(m.Rate)}
	if m.Rate == 8000 {
		args = append(args, "-nfft", "256")
	}
	args = append(args, extra...)
	cargs := make([]*C.char, len(args))
	for i, a := range args {
		cargs[i] = C.CString(a)
	}
	defer func() {
		for _, p := range cargs {
			C.free(unsafe.Pointer(p))
		}
	}()
	ps := C.cb_init(C.int(len(cargs)), (**C.char)(unsafe.Pointer(&cargs[0])))
	if ps == nil {
		return nil, fmt.Errorf("sphinx: init %s: %w", m.Name, ErrInit)
	}
	d := &decoder{ps: ps, rate: m.Rate}
	for name, g := range grammars {
		cn, cg := C.CString(name), C.CString(g)
		rc := C.ps_set_jsgf_string(ps, cn, cg)
		C.free(unsafe.Pointer(cn))
		C.free(unsafe.Pointer(cg))
		if rc != 0 {
			d.free()
			return nil, fmt.Errorf("sphinx: %s: grammar %q: %w", m.Name, name, ErrGrammar)
		}
	}
	if lmPath != "" {
		cn, cp := C.CString(asr.SearchLM), C.CString(lmPath)
		rc := C.ps_set_lm_file(ps, cn, cp)
		C.free(unsafe.Pointer(cn))
		C.free(unsafe.Pointer(cp))
		if rc != 0 {
			d.free()
			return nil, fmt.Errorf("sphinx: %s: language model: %w", m.Name, ErrGrammar)
		}
	}
	return d, nil
}

func (d *decoder) free() {
	if d.ps != nil {
		C.ps_free(d.ps)
		d.ps = nil
	}
}

// start begins an utterance with search.
func (d *decoder) start(search string) error {
	if d.search != search {
		cs := C.CString(search)
		rc := C.ps_set_search(d.ps, cs)
		C.free(unsafe.Pointer(cs))
		if rc != 0 {
			return fmt.Errorf("sphinx: search %q: %w", search, asr.ErrUnsupported)
		}
		d.search = search
	}
	if C.ps_start_utt(d.ps) != 0 {
		return fmt.Errorf("sphinx: start utterance: %w", ErrDecode)
	}
	d.inUtt = true
	return nil
}

// process decodes samples (at the model's rate).
func (d *decoder) process(samples []int16) error {
	if len(samples) == 0 {
		return nil
	}
	d.decoded += time.Duration(len(samples)) * time.Second / time.Duration(d.rate)
	if C.ps_process_raw(d.ps, (*C.int16)(unsafe.Pointer(&samples[0])), C.size_t(len(samples)), 0, 0) < 0 {
		return fmt.Errorf("sphinx: process: %w", ErrDecode)
	}
	return nil
}

// hyp is the current best hypothesis.
func (d *decoder) hyp() string {
	if d.search == "" {
		return "" // no search set yet: pocketsphinx would crash
	}
	var score C.int32
	h := C.ps_get_hyp(d.ps, &score)
	if h == nil {
		return ""
	}
	return C.GoString(h)
}

// end finishes the utterance and returns the hypothesis, its posterior and
// the words.
func (d *decoder) end() (hypothesis, error) {
	if !d.inUtt {
		return hypothesis{}, errors.New("sphinx: no utterance")
	}
	d.inUtt = false
	partial := d.hyp()
	if C.ps_end_utt(d.ps) != 0 {
		return hypothesis{}, fmt.Errorf("sphinx: end utterance: %w", ErrDecode)
	}
	text := d.hyp()
	if text == "" {
		// A grammar search that never reached its final state has no
		// result; its best partial path is all there is (no scores).
		return hypothesis{text: partial, partial: true}, nil
	}
	prob := float64(C.cb_exp(d.ps, C.ps_get_prob(d.ps)))
	// Segment frames count from the decoder's creation; the utterance's
	// n_frames places them.
	nf := int(C.ps_get_n_frames(d.ps))
	lastFrame := 0
	var ascr int64
	var words []asr.Word
	for seg := C.ps_seg_iter(d.ps); seg != nil; seg = C.ps_seg_next(seg) {
		var sf, ef C.int
		C.ps_seg_frames(seg, &sf, &ef)
		lastFrame = max(lastFrame, int(ef)+1)
		w := C.GoString(C.ps_seg_word(seg))
		var a, l, b C.int32
		p := float64(C.cb_exp(d.ps, C.ps_seg_prob(seg, &a, &l, &b)))
		ascr += int64(a)
		if isFiller(w) {
			continue
		}
		words = append(words, asr.Word{
			Text:       baseWord(w),
			Start:      time.Duration(sf) * time.Second / framesPerSecond,
			End:        time.Duration(ef+1) * time.Second / framesPerSecond,
			Confidence: min(p, 1),
		})
	}
	if off := time.Duration(max(lastFrame-nf, 0)) * time.Second / framesPerSecond; off > 0 {
		for i := range words {
			words[i].Start -= off
			words[i].End -= off
		}
	}
	if d.search == asr.SearchLM {
		ascr >>= senscrShift // lattice scores of the n-gram search are not shifted back
	}
	h := hypothesis{text: text, prob: prob, words: words, acoustic: float64(ascr) / float64(max(nf, 1))}
	if d.search == asr.SearchLM && d.nbest > 0 {
		h.nbest = d.nbestList(text, d.nbest)
	}
	return h, nil
}

// nbestTries bounds the lattice paths visited for an n-best list: most
// paths differ from the ones before only in fillers or word timing.
const nbestTries = 60

// nbestList returns up to n distinct hypotheses (filler words dropped)
// after best, best first, from the utterance's lattice.
func (d *decoder) nbestList(best string, n int) []string {
	seen := map[string]bool{cleanHyp(best): true}
	var out []string
	nb := C.ps_nbest(d.ps)
	for i := 0; nb != nil && i < nbestTries && len(out) < n; i++ {
		nb = C.ps_nbest_next(nb)
		if nb == nil {
			break // the iterator freed itself
		}
		var score C.int32
		h := C.ps_nbest_hyp(nb, &score)
		if h == nil {
			continue
		}
		t := cleanHyp(C.GoString(h))
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	if nb != nil {
		C.ps_nbest_free(nb)
	}
	return out
}

// cleanHyp drops fillers and alternate-pronunciation suffixes.
func cleanHyp(h string) string {
	f := strings.Fields(h)
	out := f[:0]
	for _, w := range f {
		if !isFiller(w) {
			out = append(out, baseWord(w))
		}
	}
	return strings.Join(out, " ")
}

// senscrShift is pocketsphinx's SENSCR_SHIFT: n-gram lattice acoustic
// scores carry it, FSG segment scores do not.
const senscrShift = 10

// hypothesis is a decoded utterance.
type hypothesis struct {
	text     string
	prob     float64 // posterior of the hypothesis (n-gram search; 1 for grammars)
	words    []asr.Word
	acoustic float64  // acoustic log-likelihood per frame (logmath base), all segments
	partial  bool     // the search ended without a full hypothesis: text is its best partial path
	nbest    []string // further hypotheses of the n-gram search, best first (fillers dropped)
}

// isFiller reports sentence markers, silence and noise words.
func isFiller(w string) bool {
	return w == "<s>" || w == "</s>" || w == "<sil>" || w == "(NULL)" || w == "" ||
		strings.HasPrefix(w, "++") || strings.HasPrefix(w, "[") || strings.HasPrefix(w, "+")
}

// baseWord strips an alternate-pronunciation suffix: "one(2)" -> "one".
func baseWord(w string) string {
	if i := strings.IndexByte(w, '('); i > 0 && strings.HasSuffix(w, ")") {
		return w[:i]
	}
	return w
}
