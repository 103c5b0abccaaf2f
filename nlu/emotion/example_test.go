package emotion_test

import (
	"fmt"

	"github.com/callbee/callbee/nlu/emotion"
)

func ExampleDetect() {
	for _, s := range []string{"多久能到", "不错", "不满意", "气死我了 我要投诉", "this is absolutely ridiculous"} {
		r := emotion.Detect(s, "")
		fmt.Println(s, r.Label, r.Intensity, r.Complaint)
	}
	// Output:
	// 多久能到 neutral 0 false
	// 不错 positive 0.45 false
	// 不满意 negative 0.5 false
	// 气死我了 我要投诉 negative 0.97 true
	// this is absolutely ridiculous negative 1 true
}

func ExampleDetect_complaint() {
	r := emotion.Detect("我要投诉你们", "zh")
	fmt.Println(r.Label, r.Intensity, r.Complaint, r.Cues)
	// Output:
	// negative 0.7 true [投诉]
}
