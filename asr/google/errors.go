package google

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

var (
	// ErrBadConfig: a Config value is invalid (see Config.Validate).
	ErrBadConfig = errors.New("invalid google speech config")
	// ErrAuth: the service refused the credentials (Unauthenticated,
	// PermissionDenied).
	ErrAuth = errors.New("google speech: not authorised")
	// ErrQuota: the project ran out of quota (ResourceExhausted).
	ErrQuota = errors.New("google speech: quota exhausted")
	// ErrRejected: the service rejected the request (InvalidArgument,
	// FailedPrecondition, OutOfRange, NotFound): a configuration problem,
	// retrying does not help.
	ErrRejected = errors.New("google speech: request rejected")
	// ErrUnavailable: the service could not be reached or timed out
	// (Unavailable, DeadlineExceeded, Aborted, Internal, Unknown); a retry
	// or the offline recogniser may help.
	ErrUnavailable = errors.New("google speech: unavailable")
)

// mapErr wraps an error of the Speech API with op and the named error for
// its gRPC code, keeping the original (status.Code still works on the
// result). A cancellation that ctx caused becomes ctx's error.
func mapErr(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if cerr := ctx.Err(); cerr != nil && (errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded) || status.Code(err) == codes.Canceled ||
		status.Code(err) == codes.DeadlineExceeded) {
		return fmt.Errorf("asr google: %s: %w", op, cerr)
	}
	var named error
	switch status.Code(err) {
	case codes.Unauthenticated, codes.PermissionDenied:
		named = ErrAuth
	case codes.ResourceExhausted:
		named = ErrQuota
	case codes.InvalidArgument, codes.FailedPrecondition, codes.OutOfRange, codes.NotFound:
		named = ErrRejected
	case codes.Unavailable, codes.DeadlineExceeded, codes.Aborted, codes.Internal, codes.Unknown:
		named = ErrUnavailable
	}
	if named == nil {
		return fmt.Errorf("asr google: %s: %w", op, err)
	}
	return fmt.Errorf("asr google: %s: %w: %w", op, named, err)
}
