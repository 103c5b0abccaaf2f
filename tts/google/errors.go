package google

import (
	"context"
	"errors"
	"fmt"

	"github.com/callbee/callbee/internal/grpcerr"
)

var (
	// ErrBadConfig: a Config value is invalid (see Config.Validate).
	ErrBadConfig = errors.New("invalid google text-to-speech config")
	// ErrAuth: the service refused the credentials (Unauthenticated,
	// PermissionDenied).
	ErrAuth = errors.New("google text-to-speech: not authorised")
	// ErrQuota: the project ran out of quota (ResourceExhausted).
	ErrQuota = errors.New("google text-to-speech: quota exhausted")
	// ErrRejected: the service rejected the request (InvalidArgument,
	// FailedPrecondition, OutOfRange, NotFound: e.g. an unknown voice name).
	ErrRejected = errors.New("google text-to-speech: request rejected")
	// ErrUnavailable: the service could not be reached or timed out.
	ErrUnavailable = errors.New("google text-to-speech: unavailable")
	// ErrBadAudio: the service's audio could not be decoded.
	ErrBadAudio = errors.New("google text-to-speech: undecodable audio")
)

// mapErr wraps an error of the Text-to-Speech API with op and the named
// error for its gRPC code, keeping the original (status.Code still works).
// A cancellation that ctx caused becomes ctx's error.
func mapErr(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if grpcerr.CausedBy(ctx, err) {
		return fmt.Errorf("tts google: %s: %w", op, ctx.Err())
	}
	named := map[grpcerr.Kind]error{grpcerr.Auth: ErrAuth, grpcerr.Quota: ErrQuota,
		grpcerr.Rejected: ErrRejected, grpcerr.Unavailable: ErrUnavailable}[grpcerr.Classify(err)]
	if named == nil {
		return fmt.Errorf("tts google: %s: %w", op, err)
	}
	return fmt.Errorf("tts google: %s: %w: %w", op, named, err)
}
