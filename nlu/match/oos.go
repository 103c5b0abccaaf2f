package match

import (
	"strings"
	"sync"

	"github.com/callbee/callbee/nlu/normalize"
)

// oosSample returns a general sample of everyday utterances that no shop's
// FAQ answers (lexicon/oos_zh.txt, lexicon/oos_en.txt): weather, traffic,
// cooking, health, news, sport, music, jokes, banking, travel, phone bills,
// household repairs, government services, small talk. It names no shop and
// no product; it teaches the out-of-scope model what "not a shop question"
// looks like. Normalized; tests use different sentences.
var oosSample = sync.OnceValue(func() map[string][]string {
	out := map[string][]string{}
	for _, lang := range []string{"zh", "en"} {
		data, err := lexiconFS.ReadFile("lexicon/oos_" + lang + ".txt")
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || line[0] == '#' {
				continue
			}
			if s := normalize.Normalize(line, lang); s != "" {
				out[lang] = append(out[lang], s)
			}
		}
	}
	return out
})
