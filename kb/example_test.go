package kb_test

import (
	"errors"
	"fmt"

	"github.com/callbee/callbee/kb"
)

func ExampleParse() {
	data := []byte(`shop:
  id: demo
  name: {zh: 小店, en: Little Shop}
faqs:
  - id: more.human
    category: more
    question: {zh: 转人工, en: agent please}
    answer: {zh: 好的, en: "Call {hotlin}"}
    related: [more.human]
    action: handoff
`)
	_, err := kb.Parse("shop.yaml", data)
	var ve *kb.ValidationError
	if errors.As(err, &ve) {
		for _, p := range ve.Problems {
			fmt.Println(p)
		}
	}
	// Output:
	// shop.yaml:8: faqs[0].answer.en: unknown placeholder {hotlin} (known: {shop_name}, {ship_within_hours}, {courier}, {ship_from}, {service_hours}, {hotline})
	// shop.yaml:9: faqs[0].related[0]: "more.human" names itself
}
