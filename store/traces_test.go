package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestSetTurnTrace(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	mustSession(t, s, "s1", "shop1")
	ids, err := s.CommitTurn(ctx, simpleTurn("s1", 1))
	if err != nil {
		t.Fatal(err)
	}
	tr := json.RawMessage(`{"end_of_turn":380,"first_audio":447}`)
	if err := s.SetTurnTrace(ctx, "s1", ids.Seq, 447*time.Millisecond, tr); err != nil {
		t.Fatal(err)
	}
	turns, err := s.Turns(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if len(turns) != 1 || turns[0].ResponseUS != 447000 || !jsonEq(turns[0].Trace, tr) {
		t.Fatalf("turns %+v", turns)
	}
	for _, tc := range []struct {
		name string
		sid  string
		seq  int
		d    time.Duration
		tr   json.RawMessage
		want error
	}{
		{"unknown turn", "s1", 9, time.Second, nil, ErrNotFound},
		{"unknown session", "nope", 1, time.Second, nil, ErrNotFound},
		{"negative", "s1", 1, -time.Second, nil, ErrInvalid},
		{"bad json", "s1", 1, time.Second, json.RawMessage(`{"a":`), ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.SetTurnTrace(ctx, tc.sid, tc.seq, tc.d, tc.tr); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestResponseLatency(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	for _, ch := range []string{"sip", "webrtc"} {
		se := Session{ID: ch, ShopID: "shop1", Lang: "en", Channel: ch, Mode: "full-auto", State: json.RawMessage(`{}`)}
		if err := s.CreateSession(ctx, se); err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 20; i++ {
			ids, err := s.CommitTurn(ctx, simpleTurn(ch, i))
			if err != nil {
				t.Fatal(err)
			}
			ms := i * 10 // sip: 10..200 ms
			if ch == "webrtc" {
				ms = 1000 + i
			}
			if err := s.SetTurnTrace(ctx, ch, ids.Seq, time.Duration(ms)*time.Millisecond, nil); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.CommitTurn(ctx, simpleTurn(ch, 21)); err != nil { // a text turn: no response time
			t.Fatal(err)
		}
	}
	got, err := s.ResponseLatency(ctx, LatencyFilter{Channel: "sip"})
	if err != nil {
		t.Fatal(err)
	}
	want := LatencyStats{N: 20, P50: 100 * time.Millisecond, P95: 190 * time.Millisecond, P99: 200 * time.Millisecond, Max: 200 * time.Millisecond}
	if got != want {
		t.Errorf("sip: %+v, want %+v", got, want)
	}
	all, err := s.ResponseLatency(ctx, LatencyFilter{Shop: "shop1"})
	if err != nil || all.N != 40 || all.Max != 1020*time.Millisecond {
		t.Errorf("all: %+v %v", all, err)
	}
	none, err := s.ResponseLatency(ctx, LatencyFilter{Shop: "other"})
	if err != nil || none != (LatencyStats{}) {
		t.Errorf("other shop: %+v %v", none, err)
	}
	if _, err := s.ResponseLatency(ctx, LatencyFilter{Since: time.Now().Add(time.Hour)}); err != nil {
		t.Error(fmt.Errorf("since: %w", err))
	}
}
