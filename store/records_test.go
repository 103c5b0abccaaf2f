package store

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestShops(t *testing.T) {
	clk := &testClock{t: t0}
	s := openTest(t, WithClock(clk.now))
	ctx := context.Background()

	puts := []struct {
		id, name string
		yaml     []byte
		wantErr  error
	}{
		{"demo", "Demo Shop", []byte("shop: demo\n"), nil},
		{"alpha", "Alpha", []byte("shop: alpha\n"), nil},
		{"demo", "Demo Shop v2", []byte("shop: demo\nversion: 2\n"), nil}, // replace
		{"empty", "Empty", nil, nil},
		{"", "No id", []byte("x"), ErrInvalid},
	}
	for _, p := range puts {
		if err := s.PutShop(ctx, p.id, p.name, p.yaml); !errors.Is(err, p.wantErr) {
			t.Errorf("PutShop(%q) = %v, want %v", p.id, err, p.wantErr)
		}
	}

	tests := []struct {
		id       string
		wantName string
		wantYAML string
		wantErr  error
	}{
		{"demo", "Demo Shop v2", "shop: demo\nversion: 2\n", nil},
		{"alpha", "Alpha", "shop: alpha\n", nil},
		{"empty", "Empty", "", nil},
		{"missing", "", "", ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			got, err := s.Shop(ctx, tt.id)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Shop(%q) err = %v, want %v", tt.id, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if got.ID != tt.id || got.Name != tt.wantName || string(got.YAML) != tt.wantYAML {
				t.Errorf("Shop(%q) = %q %q %q, want %q %q %q", tt.id, got.ID, got.Name, got.YAML, tt.id, tt.wantName, tt.wantYAML)
			}
			if got.UpdatedAt.Location() != time.UTC || got.UpdatedAt.Before(t0) {
				t.Errorf("UpdatedAt = %v, want UTC after %v", got.UpdatedAt, t0)
			}
		})
	}

	list, err := s.Shops(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range list {
		got = append(got, r.ID+"="+r.Name)
		if r.YAML != nil {
			t.Errorf("Shops listing carries yaml for %s", r.ID)
		}
	}
	want := []string{"alpha=Alpha", "demo=Demo Shop v2", "empty=Empty"}
	if len(got) != len(want) {
		t.Fatalf("Shops = %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("Shops = %v, want %v", got, want)
		}
	}
}

func TestSessions(t *testing.T) {
	clk := &testClock{t: t0}
	s := openTest(t, WithClock(clk.now))
	ctx := context.Background()

	started := t0.Add(time.Hour)
	creates := []struct {
		name    string
		se      Session
		wantErr error
	}{
		{"full", Session{ID: "s1", ShopID: "demo", Lang: "zh", Channel: "sip", Caller: "+8613800000000", Mode: "bot-first",
			StartedAt: started, State: json.RawMessage(`{"a":1}`)}, nil},
		{"defaults", Session{ID: "s2", ShopID: "demo"}, nil},
		{"other shop", Session{ID: "s3", ShopID: "alpha", Lang: "en", Channel: "text"}, nil},
		{"duplicate", Session{ID: "s1", ShopID: "demo"}, ErrExists},
		{"no id", Session{ShopID: "demo"}, ErrInvalid},
		{"no shop", Session{ID: "s9"}, ErrInvalid},
		{"bad state", Session{ID: "s8", ShopID: "demo", State: json.RawMessage(`{`)}, ErrInvalid},
	}
	for _, c := range creates {
		t.Run("create/"+c.name, func(t *testing.T) {
			if err := s.CreateSession(ctx, c.se); !errors.Is(err, c.wantErr) {
				t.Errorf("CreateSession = %v, want %v", err, c.wantErr)
			}
		})
	}

	got, err := s.Session(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "s1" || got.ShopID != "demo" || got.Lang != "zh" || got.Channel != "sip" || got.Caller != "+8613800000000" ||
		got.Mode != "bot-first" || !got.StartedAt.Equal(started) || !got.UpdatedAt.Equal(started) || got.EndedAt != nil ||
		!jsonEq(got.State, []byte(`{"a":1}`)) || !got.Active() {
		t.Errorf("Session(s1) = %+v", got)
	}
	if got.StartedAt.Location() != time.UTC {
		t.Errorf("StartedAt location = %v, want UTC", got.StartedAt.Location())
	}
	if _, err := s.Session(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Session(nope) = %v, want ErrNotFound", err)
	}
	if d, _ := s.Session(ctx, "s2"); d.StartedAt.IsZero() || d.State != nil {
		t.Errorf("Session(s2) = %+v, want defaulted start and nil state", d)
	}

	end := t0.Add(2 * time.Hour)
	ends := []struct {
		id      string
		at      time.Time
		wantErr error
	}{
		{"s2", end, nil},
		{"s2", end.Add(time.Hour), nil}, // keeps the first end
		{"nope", end, ErrNotFound},
	}
	for _, e := range ends {
		if err := s.EndSession(ctx, e.id, e.at); !errors.Is(err, e.wantErr) {
			t.Errorf("EndSession(%s) = %v, want %v", e.id, err, e.wantErr)
		}
	}
	if d, _ := s.Session(ctx, "s2"); d.EndedAt == nil || !d.EndedAt.Equal(end) || d.Active() {
		t.Errorf("s2 ended at %v, want %v", d.EndedAt, end)
	}

	lists := []struct {
		name string
		f    SessionFilter
		want []string
	}{
		// s1 started an hour after t0; s2 and s3 started at clock time just after t0, s3 later.
		{"all newest first", SessionFilter{}, []string{"s1", "s3", "s2"}},
		{"shop", SessionFilter{Shop: "demo"}, []string{"s1", "s2"}},
		{"active", SessionFilter{Active: true}, []string{"s1", "s3"}},
		{"active in shop", SessionFilter{Shop: "demo", Active: true}, []string{"s1"}},
		{"limit", SessionFilter{Limit: 2}, []string{"s1", "s3"}},
		{"unknown shop", SessionFilter{Shop: "zzz"}, nil},
	}
	for _, l := range lists {
		t.Run("list/"+l.name, func(t *testing.T) {
			ss, err := s.Sessions(ctx, l.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, se := range ss {
				got = append(got, se.ID)
				if se.State != nil {
					t.Errorf("listing carries state for %s", se.ID)
				}
			}
			if !equalStrings(got, l.want) {
				t.Errorf("Sessions(%+v) = %v, want %v", l.f, got, l.want)
			}
		})
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCommitTurn(t *testing.T) {
	clk := &testClock{t: t0}
	s := openTest(t, WithClock(clk.now))
	ctx := context.Background()
	mustSession(t, s, "a", "demo")
	mustSession(t, s, "b", "alpha")
	mustSession(t, s, "ended", "demo")
	if err := s.EndSession(ctx, "ended", time.Time{}); err != nil {
		t.Fatal(err)
	}
	turnAt := t0.Add(10 * time.Minute)

	tests := []struct {
		name    string
		w       TurnWrite
		want    TurnIDs // ids are checked for presence (non-zero) only, seq exactly
		wantErr error
	}{
		{"plain", simpleTurn("a", 1), TurnIDs{Seq: 1}, nil},
		{"second gets seq 2", simpleTurn("a", 2), TurnIDs{Seq: 2}, nil},
		{"other session starts at 1", simpleTurn("b", 1), TurnIDs{Seq: 1}, nil},
		{"with handoff", func() TurnWrite {
			w := simpleTurn("a", 3)
			w.Turn.At = turnAt
			w.Turn.Handoff = true
			w.Handoff = &Handoff{Reason: "complaint", Kind: HandoffLive, Summary: json.RawMessage(`{"topic":"refund"}`)}
			return w
		}(), TurnIDs{Seq: 3, Handoff: 1}, nil},
		{"with ticket and unresolved", func() TurnWrite {
			w := simpleTurn("a", 4)
			w.Ticket = &Ticket{Kind: "return", OrderID: "A1001", Note: "too small"}
			w.Unresolved = &Unresolved{Text: "能寄到国外吗", TopFAQ: "shipping", Confidence: 0.21}
			return w
		}(), TurnIDs{Seq: 4, Ticket: 1, Unresolved: 1}, nil},
		{"callback handoff ends session", func() TurnWrite {
			w := simpleTurn("b", 2)
			w.Handoff = &Handoff{Reason: "request", Kind: HandoffCallback}
			w.EndSession = true
			return w
		}(), TurnIDs{Seq: 2, Handoff: 1}, nil},
		{"ended session", simpleTurn("b", 3), TurnIDs{}, ErrSessionEnded},
		{"ended by EndSession", simpleTurn("ended", 1), TurnIDs{}, ErrSessionEnded},
		{"unknown session", simpleTurn("zzz", 1), TurnIDs{}, ErrNotFound},
		{"empty session id", simpleTurn("", 1), TurnIDs{}, ErrInvalid},
		{"turn for another session", func() TurnWrite {
			w := simpleTurn("a", 1)
			w.Turn.SessionID = "b"
			return w
		}(), TurnIDs{}, ErrInvalid},
		{"bad reply json", func() TurnWrite {
			w := simpleTurn("a", 1)
			w.Turn.Reply = json.RawMessage(`{"text":`)
			return w
		}(), TurnIDs{}, ErrInvalid},
		{"bad state json", func() TurnWrite {
			w := simpleTurn("a", 1)
			w.State = []byte("not json")
			return w
		}(), TurnIDs{}, ErrInvalid},
		{"bad handoff kind", func() TurnWrite {
			w := simpleTurn("a", 1)
			w.Handoff = &Handoff{Kind: "carrier-pigeon"}
			return w
		}(), TurnIDs{}, ErrInvalid},
		{"bad handoff status", func() TurnWrite {
			w := simpleTurn("a", 1)
			w.Handoff = &Handoff{Kind: HandoffLive, Status: "lost"}
			return w
		}(), TurnIDs{}, ErrInvalid},
		{"unresolved without text", func() TurnWrite {
			w := simpleTurn("a", 1)
			w.Unresolved = &Unresolved{}
			return w
		}(), TurnIDs{}, ErrInvalid},
		{"bad unresolved status", func() TurnWrite {
			w := simpleTurn("a", 1)
			w.Unresolved = &Unresolved{Text: "x", Status: "maybe"}
			return w
		}(), TurnIDs{}, ErrInvalid},
		{"nil state keeps state", func() TurnWrite {
			w := simpleTurn("a", 5)
			w.State = nil
			return w
		}(), TurnIDs{Seq: 5}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.CommitTurn(ctx, tt.w)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("CommitTurn err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				if got != (TurnIDs{}) {
					t.Errorf("ids on error = %+v, want zero", got)
				}
				return
			}
			if got.Seq != tt.want.Seq || got.Turn == 0 ||
				(got.Handoff != 0) != (tt.want.Handoff != 0) ||
				(got.Ticket != 0) != (tt.want.Ticket != 0) ||
				(got.Unresolved != 0) != (tt.want.Unresolved != 0) {
				t.Errorf("CommitTurn ids = %+v, want like %+v", got, tt.want)
			}
		})
	}

	// What landed.
	turns, err := s.Turns(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if len(turns) != 5 {
		t.Fatalf("session a has %d turns, want 5", len(turns))
	}
	for i, tu := range turns {
		if tu.Seq != i+1 || tu.SessionID != "a" {
			t.Errorf("turn %d: seq %d session %s", i, tu.Seq, tu.SessionID)
		}
		want := simpleTurn("a", 0).Turn
		if tu.UserText != want.UserText || tu.FAQ != want.FAQ || tu.Action != want.Action || tu.Lang != want.Lang ||
			tu.Confidence != want.Confidence || tu.Emotion != want.Emotion || tu.LatencyUS != want.LatencyUS ||
			!jsonEq(tu.Reply, want.Reply) || tu.Trace != nil || tu.At.Location() != time.UTC {
			t.Errorf("turn %d = %+v", i, tu)
		}
	}
	if !turns[2].Handoff || !turns[2].At.Equal(turnAt) || turns[0].Handoff {
		t.Errorf("turn 3 handoff=%v at=%v; turn 1 handoff=%v", turns[2].Handoff, turns[2].At, turns[0].Handoff)
	}
	if none, err := s.Turns(ctx, "zzz"); err != nil || len(none) != 0 {
		t.Errorf("Turns(zzz) = %v, %v; want none", none, err)
	}

	sa, _ := s.Session(ctx, "a")
	if !jsonEq(sa.State, simpleTurn("a", 4).State) { // turn 5 had nil state
		t.Errorf("session a state = %s, want the one from turn 4", sa.State)
	}
	if !sa.UpdatedAt.Equal(turns[4].At) || !sa.Active() {
		t.Errorf("session a updated %v (want %v), active %v", sa.UpdatedAt, turns[4].At, sa.Active())
	}
	sb, _ := s.Session(ctx, "b")
	bt, _ := s.Turns(ctx, "b")
	if sb.Active() || !sb.EndedAt.Equal(bt[len(bt)-1].At) {
		t.Errorf("session b ended %v, want at its last turn %v", sb.EndedAt, bt[len(bt)-1].At)
	}

	hs, err := s.Handoffs(ctx, HandoffFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 2 {
		t.Fatalf("Handoffs = %+v, want 2", hs)
	}
	h := hs[0] // queue order: a's (turnAt) is after b's? no: b's turn used the clock, which is before turnAt.
	if h.SessionID != "b" {
		h = hs[1]
	}
	if h.Kind != HandoffCallback || h.Status != HandoffQueued || h.ShopID != "alpha" || h.TurnID != bt[1].ID {
		t.Errorf("b handoff = %+v", h)
	}
	ha := hs[0]
	if ha.SessionID != "a" {
		ha = hs[1]
	}
	if ha.Kind != HandoffLive || ha.Reason != "complaint" || !ha.At.Equal(turnAt) || !jsonEq(ha.Summary, []byte(`{"topic":"refund"}`)) ||
		ha.TurnID != turns[2].ID || ha.ShopID != "demo" {
		t.Errorf("a handoff = %+v", ha)
	}

	ks, err := s.Tickets(ctx, TicketFilter{Session: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ks) != 1 || ks[0].Kind != "return" || ks[0].OrderID != "A1001" || ks[0].Status != TicketOpen ||
		ks[0].TurnID != turns[3].ID || !ks[0].At.Equal(turns[3].At) {
		t.Errorf("tickets = %+v", ks)
	}
	us, err := s.Unresolved(ctx, UnresolvedFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 1 || us[0].ShopID != "demo" || us[0].Lang != "zh" || us[0].Status != UnresolvedOpen ||
		us[0].TopFAQ != "shipping" || us[0].Confidence != 0.21 || us[0].TurnID != turns[3].ID {
		t.Errorf("unresolved = %+v", us)
	}
}

// TestCommitTurnAtomic checks that a failure part-way through CommitTurn leaves nothing behind:
// a trigger makes the handoff insert (after the turn and session writes) fail.
func TestCommitTurnAtomic(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	mustSession(t, s, "a", "demo")
	if _, err := s.CommitTurn(ctx, simpleTurn("a", 1)); err != nil {
		t.Fatal(err)
	}
	// Make the handoff insert fail inside the transaction.
	if _, err := s.w.ExecContext(ctx, `CREATE TRIGGER no_handoffs BEFORE INSERT ON handoffs
BEGIN SELECT RAISE(ABORT, 'handoffs disabled'); END`); err != nil {
		t.Fatal(err)
	}
	w := simpleTurn("a", 2)
	w.State = json.RawMessage(`{"must":"not land"}`)
	w.Handoff = &Handoff{Kind: HandoffLive}
	w.EndSession = true
	if _, err := s.CommitTurn(ctx, w); err == nil {
		t.Fatal("CommitTurn succeeded with handoffs disabled")
	}
	turns, _ := s.Turns(ctx, "a")
	se, _ := s.Session(ctx, "a")
	if len(turns) != 1 || jsonEq(se.State, w.State) || !se.Active() {
		t.Errorf("after failed commit: %d turns, state %s, active %v; want 1 turn, old state, active", len(turns), se.State, se.Active())
	}
	if _, err := s.w.ExecContext(ctx, "DROP TRIGGER no_handoffs"); err != nil {
		t.Fatal(err)
	}
	ids, err := s.CommitTurn(ctx, w)
	if err != nil || ids.Seq != 2 {
		t.Errorf("retry = %+v, %v; want seq 2", ids, err)
	}
}

func TestCommitTurnCanceledContext(t *testing.T) {
	s := openTest(t)
	mustSession(t, s, "a", "demo")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.CommitTurn(ctx, simpleTurn("a", 1)); !errors.Is(err, context.Canceled) {
		t.Errorf("CommitTurn(canceled) = %v, want context.Canceled", err)
	}
	if turns, _ := s.Turns(context.Background(), "a"); len(turns) != 0 {
		t.Errorf("%d turns after canceled commit, want 0", len(turns))
	}
}

func TestTurnTrace(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	mustSession(t, s, "a", "demo")
	w := simpleTurn("a", 1)
	w.Turn.DTMF = "12#"
	w.Turn.OutOfScope = true
	w.Turn.Trace = json.RawMessage(`{"asr_ms":120,"nlu_ms":3,"tts_ms":80}`)
	if _, err := s.CommitTurn(ctx, w); err != nil {
		t.Fatal(err)
	}
	turns, err := s.Turns(ctx, "a")
	if err != nil || len(turns) != 1 {
		t.Fatalf("Turns = %v, %v", turns, err)
	}
	got := turns[0]
	if got.DTMF != "12#" || !got.OutOfScope || !jsonEq(got.Trace, w.Turn.Trace) {
		t.Errorf("turn = %+v", got)
	}
	// A turn marshals to JSON and back.
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var back Turn
	if err := json.Unmarshal(b, &back); err != nil || back.Seq != 1 || !jsonEq(back.Trace, w.Turn.Trace) {
		t.Errorf("JSON round trip = %+v, %v (%s)", back, err, b)
	}
}
