package grpcerr

import (
	"context"
	"errors"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		code codes.Code
		want Kind
	}{
		{codes.Unauthenticated, Auth}, {codes.PermissionDenied, Auth}, {codes.ResourceExhausted, Quota},
		{codes.InvalidArgument, Rejected}, {codes.NotFound, Rejected}, {codes.Unavailable, Unavailable},
		{codes.Internal, Unavailable}, {codes.AlreadyExists, Other},
	}
	for _, tc := range tests {
		if got := Classify(status.Error(tc.code, "x")); got != tc.want {
			t.Errorf("Classify(%v) = %v, want %v", tc.code, got, tc.want)
		}
	}
	if Classify(errors.New("plain")) != Unavailable { // status.Code of a non-status error is Unknown
		t.Error("plain error not unavailable")
	}
}

func TestCausedBy(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	err := status.Error(codes.Canceled, "cancelled")
	if CausedBy(ctx, err) {
		t.Error("live ctx blamed")
	}
	cancel()
	if !CausedBy(ctx, err) || !CausedBy(ctx, context.Canceled) || CausedBy(ctx, status.Error(codes.Internal, "x")) {
		t.Error("CausedBy wrong after cancel")
	}
}
