package espeak

/*
#include <stdint.h>
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

// goSynthCallback receives a buffer of audio from espeak-ng (called from
// C, on the goroutine that called espeak_Synth, with the library lock held).
// It copies the samples into the job's pipe and returns 1 to make espeak-ng
// abort when the stream is cancelled or closed.
//
//export goSynthCallback
func goSynthCallback(wav *C.short, n C.int, h C.uintptr_t) C.int {
	if h == 0 {
		return 0
	}
	j, ok := cgo.Handle(h).Value().(*job)
	if !ok {
		return 1
	}
	if j.err != nil {
		return 1
	}
	if err := j.ctx.Err(); err != nil {
		j.err = err
		return 1
	}
	if n > 0 && wav != nil {
		samples := unsafe.Slice((*int16)(unsafe.Pointer(wav)), int(n))
		if err := j.p.Push(samples); err != nil {
			j.err = err
			return 1
		}
	}
	return 0
}
