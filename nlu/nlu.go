// Package nlu understands what a caller said: it joins normalisation
// (nlu/normalize), entities (nlu/entity), emotion (nlu/emotion) and FAQ
// matching (nlu/match) into one Analysis for the dialogue brain.
package nlu

import (
	"fmt"
	"sync"
	"unicode"

	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/nlu/embed"
	"github.com/callbee/callbee/nlu/emotion"
	"github.com/callbee/callbee/nlu/entity"
	"github.com/callbee/callbee/nlu/match"
	"github.com/callbee/callbee/nlu/normalize"
)

// Analysis is everything the brain needs to know about one utterance.
type Analysis struct {
	Lang     string // language of the text (detected, falling back to the session's)
	Norm     string // normalised text
	Entities entity.Set
	Emotion  emotion.Result
	Match    match.Result
}

// Analyzer analyses utterances for one shop. Safe for concurrent use.
type Analyzer struct {
	shop    *kb.Shop
	matcher *match.Matcher
	ext     *entity.Extractor
}

// Option configures New.
type Option func(*options)

type options struct {
	space    *embed.Space
	spaceSet bool // space was chosen by WithEmbeddings
}

// WithEmbeddings sets the word-vector space FAQ matching adds to its
// lexical signal (match.WithEmbeddings); nil matches lexically only.
// Without this option New uses the installed file (embed.Default), loaded
// once per process, and matches lexically when it is absent or unreadable
// (EmbeddingsError says why).
func WithEmbeddings(sp *embed.Space) Option {
	return func(o *options) { o.space, o.spaceSet = sp, true }
}

// defaultSpace is the installed embedding file, read at most once per
// process (17 ms, about 25 MB); every analyzer shares it.
var defaultSpace = sync.OnceValues(func() (*embed.Space, error) { return embed.Default() })

// EmbeddingsError returns why analyzers built without WithEmbeddings match
// lexically only: an error wrapping embed.ErrNotFound when the file is not
// installed, another error when it could not be read, nil when it is used.
func EmbeddingsError() error {
	_, err := defaultSpace()
	return err
}

// New builds an analyzer for shop.
func New(shop *kb.Shop, opts ...Option) (*Analyzer, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if !o.spaceSet {
		o.space, _ = defaultSpace() // nil when absent: lexical only
	}
	m, err := match.New(shop, match.WithEmbeddings(o.space))
	if err != nil {
		return nil, fmt.Errorf("nlu: %w", err)
	}
	return &Analyzer{shop: shop, matcher: m, ext: entity.NewExtractor(shop)}, nil
}

// Matcher returns the FAQ matcher (scene training adds phrasings to it).
func (a *Analyzer) Matcher() *match.Matcher { return a.matcher }

// Analyze understands text said in a session whose language is lang.
func (a *Analyzer) Analyze(text, lang string) Analysis {
	l := DetectLang(text, lang)
	return Analysis{
		Lang:     l,
		Norm:     normalize.Normalize(text, l),
		Entities: a.ext.Extract(text, l),
		Emotion:  emotion.Detect(text, l),
		Match:    a.matcher.Match(text, l),
	}
}

// DetectLang returns "zh" when text contains Han characters, "en" when it has
// Latin letters and no Han, and fallback otherwise (digits only, empty).
func DetectLang(text, fallback string) string {
	han, latin := 0, 0
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
		case r < 128 && unicode.IsLetter(r), r >= 0xFF21 && r <= 0xFF5A:
			latin++
		}
	}
	switch {
	case han > 0:
		return kb.LangZH
	case latin > 2:
		return kb.LangEN
	}
	if fallback == "" {
		return kb.LangZH
	}
	return fallback
}
