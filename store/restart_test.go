package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func TestRestartSession(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC)
	if err := s.CreateSession(ctx, Session{ID: "a", ShopID: "s1", Lang: "zh", Channel: "text", StartedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CommitTurn(ctx, TurnWrite{SessionID: "a", Turn: Turn{UserText: "bye"}, EndSession: true}); err != nil {
		t.Fatal(err)
	}
	t1 := t0.Add(time.Hour)
	if err := s.RestartSession(ctx, Session{ID: "a", ShopID: "s2", Lang: "en", Channel: "text", StartedAt: t1, State: []byte(`{"v":1}`)}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Session(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if got.EndedAt != nil || got.ShopID != "s2" || got.Lang != "en" || !got.StartedAt.Equal(t1) || string(got.State) != `{"v":1}` {
		t.Errorf("restarted session = %+v", got)
	}
	ids, err := s.CommitTurn(ctx, TurnWrite{SessionID: "a", Turn: Turn{UserText: "hello again"}})
	if err != nil || ids.Seq != 2 {
		t.Errorf("turn after restart: seq %d, %v", ids.Seq, err)
	}
	if err := s.RestartSession(ctx, Session{ID: "nope", ShopID: "s"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("restart unknown = %v", err)
	}
}
