package store

import (
	"context"
	"errors"
	"testing"
)

// seedQueues commits turns raising handoffs, tickets and unresolved questions in two shops.
func seedQueues(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	mustSession(t, s, "d1", "demo")
	mustSession(t, s, "d2", "demo")
	mustSession(t, s, "a1", "alpha")
	writes := []TurnWrite{
		{SessionID: "d1", Handoff: &Handoff{Kind: HandoffLive, Reason: "request"},
			Unresolved: &Unresolved{Text: "q1", Lang: "zh"}},
		{SessionID: "d2", Handoff: &Handoff{Kind: HandoffCallback, Reason: "action"},
			Ticket: &Ticket{Kind: "exchange", OrderID: "A1"}},
		{SessionID: "a1", Handoff: &Handoff{Kind: HandoffLive, Reason: "complaint"},
			Ticket: &Ticket{Kind: "return", OrderID: "B2"}, Unresolved: &Unresolved{Text: "q2", Lang: "en"}},
		{SessionID: "d1", Ticket: &Ticket{Kind: "complaint"}, Unresolved: &Unresolved{Text: "q3"}},
	}
	for i, w := range writes {
		if _, err := s.CommitTurn(ctx, w); err != nil {
			t.Fatalf("seed %d: %v", i, err)
		}
	}
}

func TestHandoffs(t *testing.T) {
	clk := &testClock{t: t0}
	s := openTest(t, WithClock(clk.now))
	ctx := context.Background()
	seedQueues(t, s)

	updates := []struct {
		name          string
		id            int64
		status, agent string
		wantErr       error
	}{
		{"accept", 1, HandoffAccepted, "alice", nil},
		{"close keeps agent", 1, HandoffClosed, "", nil},
		{"accept other", 3, HandoffAccepted, "bob", nil},
		{"unknown id", 99, HandoffClosed, "", ErrNotFound},
		{"bad status", 2, "lost", "", ErrInvalid},
		{"empty status", 2, "", "", ErrInvalid},
	}
	for _, u := range updates {
		t.Run("update/"+u.name, func(t *testing.T) {
			if err := s.UpdateHandoff(ctx, u.id, u.status, u.agent); !errors.Is(err, u.wantErr) {
				t.Errorf("UpdateHandoff = %v, want %v", err, u.wantErr)
			}
		})
	}

	lists := []struct {
		name string
		f    HandoffFilter
		want []string // "id:status:agent"
	}{
		{"all", HandoffFilter{}, []string{"1:closed:alice", "2:queued:", "3:accepted:bob"}},
		{"queued", HandoffFilter{Status: HandoffQueued}, []string{"2:queued:"}},
		{"shop", HandoffFilter{Shop: "demo"}, []string{"1:closed:alice", "2:queued:"}},
		{"shop and status", HandoffFilter{Shop: "alpha", Status: HandoffAccepted}, []string{"3:accepted:bob"}},
		{"limit", HandoffFilter{Limit: 1}, []string{"1:closed:alice"}},
		{"none", HandoffFilter{Shop: "zzz"}, nil},
	}
	for _, l := range lists {
		t.Run("list/"+l.name, func(t *testing.T) {
			hs, err := s.Handoffs(ctx, l.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range hs {
				got = append(got, itoa(h.ID)+":"+h.Status+":"+h.Agent)
			}
			if !equalStrings(got, l.want) {
				t.Errorf("Handoffs(%+v) = %v, want %v", l.f, got, l.want)
			}
		})
	}
	hs, _ := s.Handoffs(ctx, HandoffFilter{Status: HandoffClosed})
	if len(hs) != 1 || !hs[0].UpdatedAt.After(hs[0].At) {
		t.Errorf("closed handoff updated_at %v not after at %v", hs[0].UpdatedAt, hs[0].At)
	}
}

func TestTickets(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	seedQueues(t, s)

	if err := s.UpdateTicket(ctx, 1, "done"); err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		id      int64
		status  string
		wantErr error
	}{{99, "done", ErrNotFound}, {2, "", ErrInvalid}} {
		if err := s.UpdateTicket(ctx, u.id, u.status); !errors.Is(err, u.wantErr) {
			t.Errorf("UpdateTicket(%d, %q) = %v, want %v", u.id, u.status, err, u.wantErr)
		}
	}
	lists := []struct {
		name string
		f    TicketFilter
		want []string // "id:session:kind:status"
	}{
		{"all", TicketFilter{}, []string{"1:d2:exchange:done", "2:a1:return:open", "3:d1:complaint:open"}},
		{"session", TicketFilter{Session: "d1"}, []string{"3:d1:complaint:open"}},
		{"shop", TicketFilter{Shop: "demo"}, []string{"1:d2:exchange:done", "3:d1:complaint:open"}},
		{"status", TicketFilter{Status: TicketOpen}, []string{"2:a1:return:open", "3:d1:complaint:open"}},
		{"limit", TicketFilter{Limit: 2}, []string{"1:d2:exchange:done", "2:a1:return:open"}},
		{"session without tickets", TicketFilter{Session: "zzz"}, nil},
	}
	for _, l := range lists {
		t.Run(l.name, func(t *testing.T) {
			ks, err := s.Tickets(ctx, l.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, k := range ks {
				got = append(got, itoa(k.ID)+":"+k.SessionID+":"+k.Kind+":"+k.Status)
			}
			if !equalStrings(got, l.want) {
				t.Errorf("Tickets(%+v) = %v, want %v", l.f, got, l.want)
			}
		})
	}
}

func TestUnresolved(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	seedQueues(t, s)

	resolves := []struct {
		name               string
		id                 int64
		status, resolution string
		wantErr            error
	}{
		{"new faq", 1, UnresolvedNewFAQ, "shipping-abroad", nil},
		{"out of scope", 2, UnresolvedOutOfScope, "not our business", nil},
		{"unknown id", 99, UnresolvedAssigned, "", ErrNotFound},
		{"bad status", 3, "maybe", "", ErrInvalid},
	}
	for _, r := range resolves {
		t.Run("resolve/"+r.name, func(t *testing.T) {
			if err := s.ResolveUnresolved(ctx, r.id, r.status, r.resolution); !errors.Is(err, r.wantErr) {
				t.Errorf("ResolveUnresolved = %v, want %v", err, r.wantErr)
			}
		})
	}
	lists := []struct {
		name string
		f    UnresolvedFilter
		want []string // "id:shop:lang:text:status:resolution"
	}{
		{"all", UnresolvedFilter{}, []string{
			"1:demo:zh:q1:new_faq:shipping-abroad", "2:alpha:en:q2:out_of_scope:not our business", "3:demo:zh:q3:open:"}},
		{"open", UnresolvedFilter{Status: UnresolvedOpen}, []string{"3:demo:zh:q3:open:"}},
		{"shop", UnresolvedFilter{Shop: "alpha"}, []string{"2:alpha:en:q2:out_of_scope:not our business"}},
		{"limit", UnresolvedFilter{Limit: 1}, []string{"1:demo:zh:q1:new_faq:shipping-abroad"}},
	}
	for _, l := range lists {
		t.Run("list/"+l.name, func(t *testing.T) {
			us, err := s.Unresolved(ctx, l.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, u := range us {
				got = append(got, itoa(u.ID)+":"+u.ShopID+":"+u.Lang+":"+u.Text+":"+u.Status+":"+u.Resolution)
			}
			if !equalStrings(got, l.want) {
				t.Errorf("Unresolved(%+v) = %v, want %v", l.f, got, l.want)
			}
		})
	}
}
