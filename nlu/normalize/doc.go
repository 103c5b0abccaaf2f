// Package normalize turns ASR-like caller text into canonical text for the
// matcher and the other NLU packages: full-width characters folded to
// half-width, ASCII lower-cased, a small set of traditional characters
// simplified, punctuation and emoji turned into spaces, fillers dropped and
// colloquial or elderly wording mapped to standard wording ("俺咋退货啊" →
// "我怎么退货", "um I wanna send it back dear" → "i want to send it back").
//
// Normalize is idempotent: Normalize(Normalize(s, l), l) == Normalize(s, l).
// Tokens splits normalized text into matching units: words for English,
// single Han characters plus ASCII words/numbers for Chinese.
package normalize
