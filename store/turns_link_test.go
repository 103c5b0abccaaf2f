package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

func TestCommitTurnLinkOrder(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "link.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC)
	if err := s.CreateSession(ctx, Session{ID: "s1", ShopID: "shop", Lang: "en", Channel: "text", StartedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CommitTurn(ctx, TurnWrite{SessionID: "s1", Turn: Turn{UserText: "torn"},
		Ticket: &Ticket{Kind: "aftersales.damaged"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CommitTurn(ctx, TurnWrite{SessionID: "s1", Turn: Turn{UserText: "42"},
		Ticket: &Ticket{Kind: "other", OrderID: "keep"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CommitTurn(ctx, TurnWrite{SessionID: "s1", Turn: Turn{UserText: "number"}, LinkOrder: "2024"}); err != nil {
		t.Fatal(err)
	}
	ts, err := s.Tickets(ctx, TicketFilter{Session: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, k := range ts {
		got[k.Kind] = k.OrderID
	}
	if got["aftersales.damaged"] != "2024" || got["other"] != "keep" {
		t.Errorf("tickets after link = %v", got)
	}
}
