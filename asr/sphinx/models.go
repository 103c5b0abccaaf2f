package sphinx

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/callbee/callbee/asr"
)

// EnvModels names the environment variable that overrides the models
// directory (the config key is models_dir).
const EnvModels = "CALLBEE_MODELS"

// DebianEnUS is where Debian's pocketsphinx-en-us installs the 16 kHz US
// English model and the CMU pronunciation dictionary.
const DebianEnUS = "/usr/share/pocketsphinx/model/en-us"

// Model names, as in Result.Model.
const (
	ModelEnUS16k = "en-us-16k"
	ModelEnUS8k  = "en-us-8k"
	ModelZhCN8k  = "zh-cn-8k"
)

// Model is an acoustic model with its pronunciation dictionary.
type Model struct {
	Name string
	Lang string
	Rate int
	HMM  string // acoustic model directory
	Dict string // full pronunciation dictionary
}

// DefaultModelsDir is $CALLBEE_MODELS, else ~/.cache/callbee when
// scripts/fetch-models.sh installed the models there, else the nearest
// "shared/models" above the working directory (../shared/models from the
// repository), else "".
func DefaultModelsDir() string {
	if d := os.Getenv(EnvModels); d != "" {
		return d
	}
	// Where scripts/fetch-models.sh installs them.
	if home, err := os.UserHomeDir(); err == nil {
		if d := filepath.Join(home, ".cache", "callbee"); isFile(filepath.Join(d, "sphinx", "zh-cn-8k", "mdef")) {
			return d
		}
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, "shared", "models")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
		up := filepath.Dir(dir)
		if up == dir {
			return ""
		}
		dir = up
	}
}

// FindModels lists the models installed: under dir, sphinx/en-us-8k and
// sphinx/zh-cn-8k (with mandarin_notone.dic), and 16 kHz English from
// dir/sphinx/en-us or Debian's DebianEnUS. The 8 kHz English model uses the
// CMU dictionary next to the 16 kHz model when it has none of its own.
func FindModels(dir string) []Model {
	var out []Model
	cmudict := ""
	for _, base := range []string{filepath.Join(dir, "sphinx", "en-us"), DebianEnUS} {
		hmm, dict := filepath.Join(base, "en-us"), filepath.Join(base, "cmudict-en-us.dict")
		if dir == "" && base != DebianEnUS {
			continue
		}
		if isFile(filepath.Join(hmm, "mdef")) && isFile(dict) {
			out = append(out, Model{Name: ModelEnUS16k, Lang: asr.LangEN, Rate: 16000, HMM: hmm, Dict: dict})
			cmudict = dict
			break
		}
	}
	if dir == "" {
		return out
	}
	en8 := filepath.Join(dir, "sphinx", "en-us-8k")
	if isFile(filepath.Join(en8, "mdef")) {
		dict := firstFile(filepath.Join(en8, "cmudict-en-us.dict"), filepath.Join(en8, "cmudict.dict"), cmudict)
		if dict != "" {
			out = append(out, Model{Name: ModelEnUS8k, Lang: asr.LangEN, Rate: 8000, HMM: en8, Dict: dict})
		}
	}
	zh8 := filepath.Join(dir, "sphinx", "zh-cn-8k")
	if isFile(filepath.Join(zh8, "mdef")) && isFile(filepath.Join(zh8, "mandarin_notone.dic")) {
		out = append(out, Model{Name: ModelZhCN8k, Lang: asr.LangZH, Rate: 8000, HMM: zh8, Dict: filepath.Join(zh8, "mandarin_notone.dic")})
	}
	return out
}

// pickModel chooses the model for a language and input rate: the model at
// that rate when there is one, else the lowest-rate model at or below it
// (audio is resampled down, never up: upsampling doubles the error).
func pickModel(models []Model, lang string, rate int) (Model, error) {
	var best *Model
	for i := range models {
		m := &models[i]
		if m.Lang != lang || m.Rate > rate {
			continue
		}
		if best == nil || m.Rate > best.Rate {
			best = m
		}
	}
	if best == nil {
		return Model{}, fmt.Errorf("sphinx: %s at %d Hz: %w", lang, rate, ErrNoModel)
	}
	return *best, nil
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

func firstFile(ps ...string) string {
	for _, p := range ps {
		if p != "" && isFile(p) {
			return p
		}
	}
	return ""
}
