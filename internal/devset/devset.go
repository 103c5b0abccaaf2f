// Package devset owns callbee's own development set of caller utterances
// (testdata/demo-shop.yaml, written the way callers talk to a phone bot, never
// copied from the shop's phrasings) and the evaluation that runs a brain over
// it: top-1 FAQ accuracy, out-of-scope rejection, false rejection and
// multi-turn correctness, per language.
package devset

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed testdata/demo-shop.yaml
var demoShop []byte

// AsksForNone in Expect.AsksFor requires the reply's asks_for to be null.
const AsksForNone = "none"

// FAQNone in Expect.FAQ requires the reply's faq to be null.
const FAQNone = "none"

// Set is a dev set for one shop.
type Set struct {
	Shop      string     `yaml:"shop" json:"shop"`
	Singles   []Single   `yaml:"singles" json:"singles"`
	Dialogues []Dialogue `yaml:"dialogues" json:"dialogues"`
}

// Single is one caller question asked in a fresh session. Exactly one of FAQ
// (the expected top-1 FAQ id) and OOS (the shop does not answer it) is set.
type Single struct {
	Lang string `yaml:"lang" json:"lang"`
	Text string `yaml:"text" json:"text"`
	FAQ  string `yaml:"faq,omitempty" json:"faq,omitempty"`
	OOS  bool   `yaml:"oos,omitempty" json:"oos,omitempty"`

	line int // in the set file, for error messages
}

// Dialogue is a multi-turn conversation run in one session.
type Dialogue struct {
	Name  string `yaml:"name" json:"name"`
	Lang  string `yaml:"lang" json:"lang"`
	Turns []Turn `yaml:"turns" json:"turns"`

	line int
}

// Turn is one caller turn: text or keypad digits, and what the reply must hold.
type Turn struct {
	Text   string `yaml:"text,omitempty" json:"text,omitempty"`
	DTMF   string `yaml:"dtmf,omitempty" json:"dtmf,omitempty"`
	Expect Expect `yaml:"expect" json:"expect"`
}

// Expect lists the reply fields a turn checks; zero values (empty strings, nil
// pointers) are not checked.
type Expect struct {
	FAQ              string       `yaml:"faq,omitempty" json:"faq,omitempty"` // FAQNone: must be null
	Action           string       `yaml:"action,omitempty" json:"action,omitempty"`
	OOS              *bool        `yaml:"oos,omitempty" json:"oos,omitempty"`
	Product          string       `yaml:"product,omitempty" json:"product,omitempty"`
	Order            *OrderExpect `yaml:"order,omitempty" json:"order,omitempty"`
	AsksFor          string       `yaml:"asks_for,omitempty" json:"asks_for,omitempty"` // AsksForNone: must be null
	Size             string       `yaml:"size,omitempty" json:"size,omitempty"`
	Handoff          *bool        `yaml:"handoff,omitempty" json:"handoff,omitempty"`
	EndCall          *bool        `yaml:"end_call,omitempty" json:"end_call,omitempty"`
	RepeatsPrevious  *bool        `yaml:"repeats_previous,omitempty" json:"repeats_previous,omitempty"`
	Emotion          string       `yaml:"emotion,omitempty" json:"emotion,omitempty"`
	SpeechRateBelow1 *bool        `yaml:"speech_rate_below_1,omitempty" json:"speech_rate_below_1,omitempty"`
	VolumeAbove1     *bool        `yaml:"volume_above_1,omitempty" json:"volume_above_1,omitempty"`
	Ticket           *bool        `yaml:"ticket,omitempty" json:"ticket,omitempty"`
}

// OrderExpect checks reply.order; empty ID/Status and nil Found are not checked.
type OrderExpect struct {
	ID     string `yaml:"id,omitempty" json:"id,omitempty"`
	Found  *bool  `yaml:"found,omitempty" json:"found,omitempty"`
	Status string `yaml:"status,omitempty" json:"status,omitempty"`
}

// Empty reports whether e checks nothing.
func (e Expect) Empty() bool {
	return e.FAQ == "" && e.Action == "" && e.OOS == nil && e.Product == "" && e.Order == nil &&
		e.AsksFor == "" && e.Size == "" && e.Handoff == nil && e.EndCall == nil && e.RepeatsPrevious == nil &&
		e.Emotion == "" && e.SpeechRateBelow1 == nil && e.VolumeAbove1 == nil && e.Ticket == nil
}

// Default returns the dev set for the demo shop, embedded in the binary.
func Default() (*Set, error) { return Parse("demo-shop.yaml", demoShop) }

// Load reads and validates a dev set file.
func Load(path string) (*Set, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("devset: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes and validates a dev set; name is used in error messages.
func Parse(name string, data []byte) (*Set, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var s Set
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("devset: %s: %w", name, err)
	}
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("devset: %s: %w", name, err)
	}
	recordLines(&root, &s)
	if err := s.validate(name); err != nil {
		return nil, err
	}
	return &s, nil
}

// recordLines remembers where each single and dialogue starts, for messages.
func recordLines(root *yaml.Node, s *Set) {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		key, val := m.Content[i].Value, m.Content[i+1]
		switch key {
		case "singles":
			for j, n := range val.Content {
				if j < len(s.Singles) {
					s.Singles[j].line = n.Line
				}
			}
		case "dialogues":
			for j, n := range val.Content {
				if j < len(s.Dialogues) {
					s.Dialogues[j].line = n.Line
				}
			}
		}
	}
}

// ErrInvalid is wrapped by every validation error.
var ErrInvalid = errors.New("devset: invalid set")

// ErrNoSet says no set was written for a shop.
var ErrNoSet = errors.New("devset: no set")

func (s *Set) validate(name string) error {
	var errs []error
	bad := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, args...)))
	}
	if s.Shop == "" {
		bad(1, "shop: missing")
	}
	for _, q := range s.Singles {
		if !validLang(q.Lang) {
			bad(q.line, "lang %q: want zh or en", q.Lang)
		}
		if strings.TrimSpace(q.Text) == "" {
			bad(q.line, "text: empty")
		}
		if (q.FAQ == "") == !q.OOS {
			bad(q.line, "give exactly one of faq and oos: true")
		}
	}
	names := map[string]bool{}
	for _, d := range s.Dialogues {
		if d.Name == "" {
			bad(d.line, "dialogue name: missing")
		} else if names[d.Name] {
			bad(d.line, "dialogue name %q: duplicate", d.Name)
		}
		names[d.Name] = true
		if !validLang(d.Lang) {
			bad(d.line, "dialogue %s: lang %q: want zh or en", d.Name, d.Lang)
		}
		if len(d.Turns) == 0 {
			bad(d.line, "dialogue %s: no turns", d.Name)
		}
		for i, t := range d.Turns {
			if (t.Text == "") == (t.DTMF == "") {
				bad(d.line, "dialogue %s turn %d: give exactly one of text and dtmf", d.Name, i+1)
			}
			if t.Expect.Empty() {
				bad(d.line, "dialogue %s turn %d: expect checks nothing", d.Name, i+1)
			}
			if a := t.Expect.AsksFor; a != "" && a != AsksForNone && a != "order_number" && a != "height_weight" && a != "product" {
				bad(d.line, "dialogue %s turn %d: asks_for %q: want order_number, height_weight, product or none", d.Name, i+1, a)
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalid, errors.Join(errs...))
	}
	return nil
}

func validLang(l string) bool { return l == "zh" || l == "en" }

// Langs returns the languages the set uses, zh first.
func (s *Set) Langs() []string {
	seen := map[string]bool{}
	for _, q := range s.Singles {
		seen[q.Lang] = true
	}
	for _, d := range s.Dialogues {
		seen[d.Lang] = true
	}
	var out []string
	for _, l := range []string{"zh", "en"} {
		if seen[l] {
			out = append(out, l)
		}
	}
	return out
}
