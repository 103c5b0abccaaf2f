package google

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"cloud.google.com/go/speech/apiv1/speechpb"
	"google.golang.org/grpc/status"

	"github.com/callbee/callbee/asr"
	"github.com/callbee/callbee/media"
	"github.com/callbee/callbee/media/codec"
)

// Rates the API accepts for LINEAR16 and MULAW.
const (
	minRate = 8000
	maxRate = 48000
)

// stream is one StreamingRecognize call. WriteFrame and Final run on the
// caller's goroutine (the only one that sends on the gRPC stream); one
// owned goroutine receives (receive); Partial and Close may come from any
// goroutine.
type stream struct {
	opts   asr.Options
	search string
	model  string
	mulaw  bool
	chunk  int // bytes per request

	rpc    speechpb.Speech_StreamingRecognizeClient
	ctx    context.Context // the call's context (cancelled by Close)
	cancel context.CancelFunc
	recvd  chan struct{} // closed when receive has returned
	eou    chan struct{} // closed when the service stopped listening
	eouOne sync.Once
	closed atomic.Bool
	once   sync.Once

	// Sender side: touched only by WriteFrame and Final.
	buf       []byte
	audio     time.Duration
	halfClose bool // CloseSend was called (or the stream is over)
	finished  bool // Final was called
	haveFinal bool // final and finalErr hold the outcome
	final     asr.Result
	finalErr  error

	mu      sync.Mutex // guards the fields below (receive writes, others read)
	finals  []string   // transcripts of final results, in order
	confs   []float64  // their confidences
	words   []asr.Word
	interim string // the latest interim transcript (after the finals)
	err     error  // the first error of the call
}

var _ asr.Stream = (*stream)(nil)

func startStream(ctx context.Context, r *Recognizer, o asr.Options, sc *speechpb.StreamingRecognitionConfig) (*stream, error) {
	if o.Rate < minRate || o.Rate > maxRate {
		return nil, fmt.Errorf("asr google: rate %d outside %d..%d: %w", o.Rate, minRate, maxRate, asr.ErrUnsupported)
	}
	bps := 2
	if sc.Config.Encoding == speechpb.RecognitionConfig_MULAW {
		bps = 1
	}
	frameBytes := media.SamplesPerFrame(o.Rate) * bps
	chunk := int(int64(o.Rate) * int64(r.cfg.Chunk) / int64(time.Second) * int64(bps))
	chunk = max(frameBytes, min(chunk, MaxChunkBytes/frameBytes*frameBytes))

	sctx, cancel := context.WithCancel(ctx)
	rpc, err := r.client.StreamingRecognize(sctx)
	if err != nil {
		cancel()
		return nil, mapErr(ctx, "open stream", err)
	}
	req := &speechpb.StreamingRecognizeRequest{
		StreamingRequest: &speechpb.StreamingRecognizeRequest_StreamingConfig{StreamingConfig: sc},
	}
	if err := rpc.Send(req); err != nil {
		cancel()
		return nil, mapErr(ctx, "send config", err)
	}
	s := &stream{
		opts: o, search: o.SearchOrDefault(), model: sc.Config.Model,
		mulaw: sc.Config.Encoding == speechpb.RecognitionConfig_MULAW,
		chunk: chunk,
		rpc:   rpc, ctx: sctx, cancel: cancel,
		recvd: make(chan struct{}), eou: make(chan struct{}),
		buf: make([]byte, 0, chunk+frameBytes),
	}
	if s.model == "" {
		s.model = "auto"
	}
	go s.receive()
	return s, nil
}

// EndOfUtterance is closed when the service has stopped listening: it
// detected the end of the caller's utterance (single utterance mode) or the
// call ended. Audio written after that is dropped; call Final.
func (s *stream) EndOfUtterance() <-chan struct{} { return s.eou }

func (s *stream) endUtterance() { s.eouOne.Do(func() { close(s.eou) }) }

// receive reads responses until the call ends.
func (s *stream) receive() {
	defer close(s.recvd)
	defer s.endUtterance()
	for {
		resp, err := s.rpc.Recv()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			s.fail(mapErr(s.ctx, "recognize", err))
			return
		}
		if e := resp.GetError(); e != nil && e.GetCode() != 0 {
			s.fail(mapErr(s.ctx, "recognize", status.ErrorProto(e)))
		}
		s.update(resp.GetResults())
		if resp.GetSpeechEventType() == speechpb.StreamingRecognizeResponse_END_OF_SINGLE_UTTERANCE {
			s.endUtterance()
		}
	}
}

func (s *stream) fail(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
}

func (s *stream) failure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// update takes one response's results: finals are kept, the interim
// results (the service may split one hypothesis into a stable and an
// unstable part) replace the previous interim.
func (s *stream) update(results []*speechpb.StreamingRecognitionResult) {
	if len(results) == 0 {
		return
	}
	var interim []string
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, res := range results {
		alts := res.GetAlternatives()
		if len(alts) == 0 {
			continue
		}
		alt := alts[0]
		text := strings.TrimSpace(alt.GetTranscript())
		if !res.GetIsFinal() {
			if text != "" {
				interim = append(interim, text)
			}
			continue
		}
		s.finals = append(s.finals, text)
		s.confs = append(s.confs, float64(alt.GetConfidence()))
		for _, w := range alt.GetWords() {
			s.words = append(s.words, asr.Word{
				Text:       w.GetWord(),
				Start:      w.GetStartTime().AsDuration(),
				End:        w.GetEndTime().AsDuration(),
				Confidence: float64(w.GetConfidence()),
			})
		}
		s.interim = ""
	}
	if len(interim) > 0 {
		s.interim = s.join(interim)
	}
}

// join joins transcripts: Chinese without spaces, English with one.
func (s *stream) join(parts []string) string {
	sep := " "
	if s.opts.Lang == asr.LangZH {
		sep = ""
	}
	var kept []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, sep)
}

// resultLocked is the hypothesis so far: the finals, then the interim.
// Confidence is the finals' mean when there are only finals, 0 while an
// interim is pending or when the service gave none.
func (s *stream) resultLocked() asr.Result {
	r := asr.Result{Lang: s.opts.Lang, Engine: Engine, Model: s.model, Search: s.search}
	parts := append([]string(nil), s.finals...)
	if s.interim != "" {
		parts = append(parts, s.interim)
	}
	r.Text = s.join(parts)
	if s.interim == "" && len(s.confs) > 0 {
		var sum float64
		for _, c := range s.confs {
			sum += c
		}
		r.Confidence = sum / float64(len(s.confs))
	}
	r.Words = append([]asr.Word(nil), s.words...)
	return r
}

// Partial is the current hypothesis; it never blocks on the service.
func (s *stream) Partial() asr.Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resultLocked()
}

// WriteFrame queues f's audio and sends a request per Config.Chunk. Audio
// after the end of the utterance is dropped (counted in Result.Audio).
func (s *stream) WriteFrame(ctx context.Context, f media.Frame) error {
	switch {
	case s.closed.Load():
		return fmt.Errorf("asr google: write: %w", asr.ErrClosed)
	case s.finished:
		return fmt.Errorf("asr google: write: %w", asr.ErrFinished)
	case f.Rate != s.opts.Rate:
		return fmt.Errorf("asr google: frame at %d Hz on a %d Hz stream: %w", f.Rate, s.opts.Rate, media.ErrBadRate)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("asr google: write: %w", err)
	}
	if err := s.failure(); err != nil {
		return err
	}
	s.audio += f.Duration()
	if !s.halfClose {
		select {
		case <-s.eou:
			// The service stopped listening: half-close as the API asks.
			s.halfClose = true
			s.buf = s.buf[:0]
			_ = s.rpc.CloseSend()
		default:
		}
	}
	if s.halfClose {
		return nil
	}
	if s.mulaw {
		s.buf = codec.PCMU.Encode(s.buf, f.Samples)
	} else {
		for _, v := range f.Samples {
			s.buf = binary.LittleEndian.AppendUint16(s.buf, uint16(v))
		}
	}
	if len(s.buf) < s.chunk {
		return nil
	}
	return s.flush(ctx)
}

// flush sends the queued audio. When the call has ended (io.EOF from
// Send) it waits for the receiver to learn why.
func (s *stream) flush(ctx context.Context) error {
	if len(s.buf) == 0 || s.halfClose {
		return nil
	}
	err := s.rpc.Send(&speechpb.StreamingRecognizeRequest{
		StreamingRequest: &speechpb.StreamingRecognizeRequest_AudioContent{AudioContent: s.buf},
	})
	s.buf = s.buf[:0]
	if err == nil {
		return nil
	}
	s.halfClose = true
	if !errors.Is(err, io.EOF) {
		return mapErr(s.ctx, "send audio", err)
	}
	select {
	case <-s.recvd:
		return s.failure()
	case <-ctx.Done():
		return fmt.Errorf("asr google: write: %w", ctx.Err())
	}
}

// Final sends the rest of the audio, half-closes the call and waits for the
// service's final result. Without a final result it returns the last
// interim text with confidence 0. A second call returns the same.
func (s *stream) Final(ctx context.Context) (asr.Result, error) {
	if s.closed.Load() {
		return asr.Result{}, fmt.Errorf("asr google: final: %w", asr.ErrClosed)
	}
	if s.haveFinal {
		return s.final, s.finalErr
	}
	var ferr error
	if !s.finished {
		s.finished = true
		ferr = s.flush(ctx)
	}
	if !s.halfClose {
		s.halfClose = true
		_ = s.rpc.CloseSend()
	}
	select {
	case <-s.recvd:
	case <-ctx.Done():
		// Not cached: the service may still answer a later Final.
		return s.Partial(), fmt.Errorf("asr google: final: %w", ctx.Err())
	}
	s.mu.Lock()
	r, err := s.resultLocked(), s.err
	s.mu.Unlock()
	if err == nil && ferr != nil {
		err = ferr
	}
	r.Audio = s.audio
	s.final, s.finalErr, s.haveFinal = r, err, true
	return r, err
}

// Close cancels the call if it is still running and waits for the
// receiving goroutine. Safe to call twice and from any goroutine.
func (s *stream) Close() error {
	s.once.Do(func() {
		s.closed.Store(true)
		s.cancel()
	})
	<-s.recvd
	return nil
}
