// Package gcloudtest runs protocol-level fakes of Google Cloud APIs: a real
// gRPC server on 127.0.0.1 that the real client libraries talk to, without
// TLS or credentials. The API-specific fakes live beside their engines
// (asr/google/googletest, tts/google/googletest).
package gcloudtest

import (
	"net"
	"testing"

	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// Serve starts a gRPC server on 127.0.0.1:0 with the services register adds,
// stops it (and waits for it) when the test ends, and returns the client
// options that point a Google client at it.
func Serve(t testing.TB, register func(*grpc.Server)) []option.ClientOption {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("gcloudtest: listen: %v", err)
	}
	gs := grpc.NewServer()
	register(gs)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = gs.Serve(lis)
	}()
	t.Cleanup(func() {
		gs.Stop()
		<-done
	})
	return ClientOptions(lis.Addr().String())
}

// ClientOptions point a Google client at a fake on addr: no TLS, no
// credentials.
func ClientOptions(addr string) []option.ClientOption {
	return []option.ClientOption{
		option.WithEndpoint(addr),
		option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())),
	}
}
