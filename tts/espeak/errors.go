package espeak

import "errors"

var (
	// ErrInit: the espeak-ng library could not be initialised (data files
	// missing or unreadable).
	ErrInit = errors.New("espeak-ng initialisation failed")
	// ErrVoice: espeak-ng does not know the voice.
	ErrVoice = errors.New("espeak-ng voice not found")
	// ErrSynth: espeak_Synth or espeak_SetParameter reported an error.
	ErrSynth = errors.New("espeak-ng synthesis failed")
	// ErrBadOption: an option value is out of range.
	ErrBadOption = errors.New("invalid espeak option")
)
