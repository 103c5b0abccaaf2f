package entity_test

import (
	"fmt"

	"github.com/callbee/callbee/nlu/entity"
)

func ExampleParseNumber() {
	for _, s := range []string{"一百二", "三千零五", "零点五", "a hundred and seventy", "twenty-one"} {
		v, ok := entity.ParseNumber(s)
		fmt.Println(s, v, ok)
	}
	// Output:
	// 一百二 120 true
	// 三千零五 3005 true
	// 零点五 0.5 true
	// a hundred and seventy 170 true
	// twenty-one 21 true
}

func ExampleDigits() {
	fmt.Println(entity.Digits("二零二四 嗯 一一二五 零零零零一"))
	fmt.Println(entity.Digits("two oh double five"))
	// Output:
	// 2024112500001
	// 2055
}

func ExampleExtract() {
	// Without a shop: numbers, digits, height and weight still work.
	s := entity.Extract("嗯我一米六五 一百二十来斤", "zh", nil)
	fmt.Println(s.HeightCM, s.WeightKG)
	// Output:
	// 165 60
}
