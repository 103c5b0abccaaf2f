// Package asrtest holds test helpers for speech recognition: speech
// synthesised with espeak-ng and band-limited with sox (Synth), a driver
// that runs samples through a Recognizer (Recognize), word and character
// error rates (WER, CER), and a scripted fake Recognizer (Fake) for the
// packages that use asr.
package asrtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/callbee/callbee/asr"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/audiofile"
)

// Voices used for synthesis: Debian's cmn voice reads many characters as
// English, cmn-latn-pinyin reads them as Mandarin.
var Voices = map[string]string{asr.LangEN: "en-us", asr.LangZH: "cmn-latn-pinyin"}

// Tools reports whether espeak-ng and sox are installed, and if not which is missing.
func Tools() (ok bool, missing string) {
	for _, tool := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			return false, tool
		}
	}
	return true, ""
}

// Synth speaks text in lang with espeak-ng and converts it with sox to mono
// PCM16 at rate: 16 kHz as is, 8 kHz band-limited to the telephone band
// (sinc 300-3400), with 300 ms of silence either side. It skips the test
// when the tools are missing. Files go to t.TempDir().
func Synth(t testing.TB, text, lang string, rate int) []int16 {
	t.Helper()
	if ok, missing := Tools(); !ok {
		t.Skipf("asrtest: %s not installed (apt-get install espeak-ng sox)", missing)
	}
	s, err := SynthDir(t.TempDir(), text, lang, rate)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var synthSeq struct {
	sync.Mutex
	n int
}

// SynthDir is Synth writing its files in dir.
func SynthDir(dir, text, lang string, rate int) ([]int16, error) {
	voice, ok := Voices[lang]
	if !ok {
		return nil, fmt.Errorf("asrtest: no voice for %q", lang)
	}
	synthSeq.Lock()
	synthSeq.n++
	n := synthSeq.n
	synthSeq.Unlock()
	raw := filepath.Join(dir, fmt.Sprintf("tts%d.wav", n))
	out := filepath.Join(dir, fmt.Sprintf("tts%d-%d.wav", n, rate))
	if b, err := exec.Command("espeak-ng", "-v", voice, "-w", raw, text).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("asrtest: espeak-ng: %v: %s", err, b)
	}
	args := []string{raw, "-r", fmt.Sprint(rate), "-c", "1", "-b", "16", out}
	if rate <= 8000 {
		args = append(args, "sinc", "300-3400")
	}
	args = append(args, "pad", "0.3", "0.3")
	if b, err := exec.Command("sox", args...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("asrtest: sox: %v: %s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	r, err := audiofile.DecodeWAV(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	var buf media.Buffer
	if _, err := media.Copy(context.Background(), &buf, r); err != nil {
		return nil, err
	}
	if buf.Rate != rate {
		return nil, fmt.Errorf("asrtest: sox wrote %d Hz, want %d", buf.Rate, rate)
	}
	return buf.Samples, nil
}

// Recognize streams samples at opts.Rate through rec in 20 ms frames and
// returns the final result.
func Recognize(ctx context.Context, rec asr.Recognizer, opts asr.Options, samples []int16) (asr.Result, error) {
	st, err := rec.Start(ctx, opts)
	if err != nil {
		return asr.Result{}, err
	}
	res, err := Feed(ctx, st, opts.Rate, samples)
	return res, errors.Join(err, st.Close())
}

// Feed writes samples to st in 20 ms frames and returns st.Final. It does not close st.
func Feed(ctx context.Context, st asr.Stream, rate int, samples []int16) (asr.Result, error) {
	r, err := media.NewSliceReader(rate, samples)
	if err != nil {
		return asr.Result{}, err
	}
	if _, err := media.Copy(ctx, st, r); err != nil {
		return asr.Result{}, err
	}
	return st.Final(ctx)
}

// WER counts word edits (substitutions, insertions, deletions) between
// reference and hypothesis, case- and punctuation-insensitive, and returns
// them with the reference length.
func WER(ref, hyp string) (edits, n int) {
	r, h := enTokens(ref), enTokens(hyp)
	return distance(r, h), len(r)
}

// CER is WER over characters (Chinese), ignoring spaces and punctuation.
func CER(ref, hyp string) (edits, n int) {
	r, h := zhTokens(ref), zhTokens(hyp)
	return distance(r, h), len(r)
}

// Errors is WER for English and CER for Chinese.
func Errors(lang, ref, hyp string) (edits, n int) {
	if lang == asr.LangZH {
		return CER(ref, hyp)
	}
	return WER(ref, hyp)
}

func enTokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'')
	})
}

func zhTokens(s string) []string {
	var out []string
	for _, r := range strings.ToUpper(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			out = append(out, string(r))
		}
	}
	return out
}

// distance is the Levenshtein distance between token lists.
func distance(a, b []string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
