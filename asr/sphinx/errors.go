package sphinx

import "errors"

var (
	// ErrInit: pocketsphinx could not create a decoder (bad model path,
	// a dictionary phone the model lacks).
	ErrInit = errors.New("decoder init failed")
	// ErrGrammar: a grammar or language model was rejected.
	ErrGrammar = errors.New("grammar rejected")
	// ErrDecode: pocketsphinx failed while decoding.
	ErrDecode = errors.New("decode failed")
	// ErrNoModel: no acoustic model was found for a language and rate.
	ErrNoModel = errors.New("no acoustic model")
)
