// C side of the espeak-ng binding: the synthesis callback forwards audio to
// Go with the handle that was passed to espeak_Synth as user_data, so no Go
// pointer is ever stored in C.
#include <stdint.h>
#include <string.h>
#include <espeak-ng/speak_lib.h>
#include "_cgo_export.h"

static int callbee_synth_callback(short *wav, int numsamples, espeak_EVENT *events) {
	uintptr_t h = 0;
	if (events != NULL) {
		h = (uintptr_t)events[0].user_data;
	}
	return goSynthCallback(wav, numsamples, h);
}

int callbee_espeak_init(int buflength, const char *path) {
	int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, buflength, path, espeakINITIALIZE_DONT_EXIT);
	if (rate > 0) {
		espeak_SetSynthCallback(callbee_synth_callback);
	}
	return rate;
}

int callbee_espeak_synth(const char *text, int endpause, uintptr_t handle) {
	unsigned int flags = espeakCHARS_UTF8;
	if (endpause) {
		flags |= espeakENDPAUSE;
	}
	return espeak_Synth(text, strlen(text) + 1, 0, POS_CHARACTER, 0, flags, NULL, (void *)handle);
}
