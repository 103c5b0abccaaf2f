package grammar

import (
	"os"
	"testing"

	"github.com/callbee/callbee/kb/kbtest"
)

// TestDump writes the compiled grammars, LM and dictionary to $GRAMMAR_DUMP
// for trying them with pocketsphinx_continuous by hand.
func TestDump(t *testing.T) {
	dir := os.Getenv("GRAMMAR_DUMP")
	if dir == "" {
		t.Skip()
	}
	for _, lang := range []string{"en", "zh"} {
		set, err := Compile(kbtest.DemoShop(t), lang, testDict(t, lang))
		if err != nil {
			t.Fatal(err)
		}
		for k, g := range set.Grammars {
			os.WriteFile(dir+"/"+lang+"-"+k+".gram", []byte(g), 0o644)
		}
		os.WriteFile(dir+"/"+lang+".lm", []byte(set.LM), 0o644)
		os.WriteFile(dir+"/"+lang+".dic", []byte(set.Dict), 0o644)
	}
}
