// Package grpcerr sorts the errors of Google's gRPC APIs into the few kinds
// callbee's cloud engines name (auth, quota, rejected, unavailable), so the
// speech and text-to-speech engines share one mapping.
package grpcerr

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Kind is what a caller can do about an error.
type Kind int

// Kinds of errors.
const (
	Other       Kind = iota // nothing known
	Auth                    // Unauthenticated, PermissionDenied: fix the credentials
	Quota                   // ResourceExhausted: out of quota
	Rejected                // InvalidArgument, FailedPrecondition, OutOfRange, NotFound: retrying does not help
	Unavailable             // Unavailable, DeadlineExceeded, Aborted, Internal, Unknown: a retry may help
)

// Classify returns the kind of err by its gRPC status code.
func Classify(err error) Kind {
	switch status.Code(err) {
	case codes.Unauthenticated, codes.PermissionDenied:
		return Auth
	case codes.ResourceExhausted:
		return Quota
	case codes.InvalidArgument, codes.FailedPrecondition, codes.OutOfRange, codes.NotFound:
		return Rejected
	case codes.Unavailable, codes.DeadlineExceeded, codes.Aborted, codes.Internal, codes.Unknown:
		return Unavailable
	}
	return Other
}

// CausedBy reports whether err is a cancellation or deadline that ctx caused.
func CausedBy(ctx context.Context, err error) bool {
	if ctx.Err() == nil {
		return false
	}
	code := status.Code(err)
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		code == codes.Canceled || code == codes.DeadlineExceeded
}
