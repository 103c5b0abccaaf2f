package store

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestUsers(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for _, tc := range []struct {
		name, role, hash string
		want             error
	}{
		{"ann", RoleAdmin, "h1", nil},
		{"tom", RoleTrainer, "h2", nil},
		{"amy", RoleAgent, "h3", nil},
		{"ann", RoleAgent, "h4", ErrExists},
		{"bad name", RoleAgent, "h", ErrInvalid},
		{"", RoleAgent, "h", ErrInvalid},
		{"bob", "root", "h", ErrInvalid},
		{"bob", RoleAgent, "", ErrInvalid},
	} {
		if err := s.CreateUser(ctx, tc.name, tc.role, tc.hash); !errors.Is(err, tc.want) {
			t.Errorf("CreateUser(%q, %q) = %v, want %v", tc.name, tc.role, err, tc.want)
		}
	}
	us, err := s.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range us {
		names = append(names, u.Name+":"+u.Role)
	}
	if got, want := strings.Join(names, ","), "amy:agent,ann:admin,tom:trainer"; got != want {
		t.Errorf("Users = %s, want %s", got, want)
	}
	u, hash, err := s.User(ctx, "tom")
	if err != nil || hash != "h2" || u.Role != RoleTrainer {
		t.Errorf("User(tom) = %+v, %q, %v", u, hash, err)
	}
	if _, _, err := s.User(ctx, "nobody"); !errors.Is(err, ErrNotFound) {
		t.Errorf("User(nobody) = %v, want ErrNotFound", err)
	}
	if n, err := s.CountUsers(ctx, RoleAdmin); err != nil || n != 1 {
		t.Errorf("CountUsers(admin) = %d, %v", n, err)
	}
	if err := s.SetPassword(ctx, "nobody", "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetPassword(nobody) = %v", err)
	}
	if err := s.SetUserRole(ctx, "amy", "boss"); !errors.Is(err, ErrInvalid) {
		t.Errorf("SetUserRole(boss) = %v", err)
	}
	if err := s.DeleteUser(ctx, "amy"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, "amy"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second DeleteUser = %v", err)
	}
}

func TestLogins(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{t: t0}
	s := openTest(t, WithClock(clock.now))
	if err := s.CreateUser(ctx, "ann", RoleAdmin, "h"); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateLogin(ctx, "tok1", "ann", "csrf1", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateLogin(ctx, "tok2", "ann", "csrf2", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	l, err := s.Login(ctx, "tok1")
	if err != nil || l.User != "ann" || l.Role != RoleAdmin || l.CSRF != "csrf1" {
		t.Fatalf("Login = %+v, %v", l, err)
	}
	// A role change applies at once and ends the user's logins.
	if err := s.SetUserRole(ctx, "ann", RoleAgent); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Login(ctx, "tok1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("login after role change = %v, want ErrNotFound", err)
	}
	if err := s.CreateLogin(ctx, "tok3", "ann", "c", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetUserDisabled(ctx, "ann", true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Login(ctx, "tok3"); !errors.Is(err, ErrNotFound) {
		t.Errorf("login of a disabled user = %v", err)
	}
	if err := s.SetUserDisabled(ctx, "ann", false); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateLogin(ctx, "tok4", "ann", "c", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	clock.t = t0.Add(2 * time.Hour)
	if _, err := s.Login(ctx, "tok4"); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired login = %v", err)
	}
	if n, err := s.PruneLogins(ctx); err != nil || n != 1 {
		t.Errorf("PruneLogins = %d, %v; want 1", n, err)
	}
	if err := s.CreateLogin(ctx, "tok5", "nobody", "c", t0.Add(3*time.Hour)); err == nil {
		t.Error("login of an unknown user was stored")
	}
}

func TestAuditAndAgentMessages(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	long := strings.Repeat("长", 3000)
	for i, e := range []AuditEntry{
		{User: "tom", Shop: "a", Action: "faq.update", Target: "f1", Before: "x", After: "y"},
		{User: "tom", Shop: "b", Action: "faq.create", Target: "f2", After: long},
		{User: "ann", Shop: "a", Action: "packs.subscribe", Target: "general"},
	} {
		if _, err := s.AddAudit(ctx, e); err != nil {
			t.Fatalf("AddAudit #%d: %v", i, err)
		}
	}
	if _, err := s.AddAudit(ctx, AuditEntry{Shop: "a"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("AddAudit without user = %v", err)
	}
	got, err := s.Audit(ctx, AuditFilter{Shop: "a"})
	if err != nil || len(got) != 2 || got[0].Action != "packs.subscribe" || got[1].Before != "x" {
		t.Errorf("Audit(a) = %+v, %v", got, err)
	}
	b, err := s.Audit(ctx, AuditFilter{Shop: "b"})
	if err != nil || len(b) != 1 || len(b[0].After) > maxAuditText || !strings.HasSuffix(b[0].After, "…") {
		t.Errorf("Audit(b) after %d bytes, %v", len(b[0].After), err)
	}

	mustSession(t, s, "s1", "a")
	if _, err := s.AddAgentMessage(ctx, AgentMessage{SessionID: "s1", Agent: "amy", Text: "hello"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddAgentMessage(ctx, AgentMessage{SessionID: "nope", Agent: "amy", Text: "hello"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("agent message to unknown session = %v", err)
	}
	ms, err := s.AgentMessages(ctx, "s1")
	if err != nil || len(ms) != 1 || ms[0].Text != "hello" || ms[0].Agent != "amy" {
		t.Errorf("AgentMessages = %+v, %v", ms, err)
	}

	if err := s.PutShopModes(ctx, ShopModes{Shop: "a", Override: "smart-assist", Schedule: json.RawMessage(`{"default":"full-auto"}`)}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutShopModes(ctx, ShopModes{Shop: "a", Override: ""}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutShopModes(ctx, ShopModes{Shop: "b", Schedule: json.RawMessage(`{`)}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad schedule JSON = %v", err)
	}
	all, err := s.AllShopModes(ctx)
	if err != nil || len(all) != 1 || all[0].Override != "" || all[0].Schedule != nil {
		t.Errorf("AllShopModes = %+v, %v", all, err)
	}
}

func TestMetricsAndComplaints(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{t: t0}
	s := openTest(t, WithClock(clock.now))
	turn := func(sess, text, faq, emo string, conf float64, reply string) TurnWrite {
		return TurnWrite{SessionID: sess, Turn: Turn{UserText: text, FAQ: faq, Emotion: emo, Confidence: conf,
			Reply: json.RawMessage(reply), LatencyUS: 1000}}
	}
	// s1: answered by the bot. s2: complaint handed off. s3: unresolved.
	// s4: smart-assist handoff (does not count against the bot). s5: no turns.
	for _, id := range []string{"s1", "s2", "s3", "s4", "s5"} {
		mustSession(t, s, id, "shop")
	}
	mustSession(t, s, "other", "other-shop")
	writes := []TurnWrite{
		turn("s1", "when do you ship", "logistics.when_ship", "neutral", 0.9, `{"text":"48h"}`),
		turn("s1", "where is it", "logistics.when_ship", "neutral", 0.4, `{"text":"48h"}`),
		turn("s2", "the coat is broken, I am furious", "aftersales.damaged", "negative", 0.8, `{"handoff_reason":"complaint"}`),
		turn("s3", "do you sell bicycles", "", "neutral", 0.1, `{"out_of_scope":true}`),
		turn("s4", "hello", "chat.greeting", "neutral", 0.95, `{"draft":true}`),
		turn("other", "when do you ship", "logistics.when_ship", "negative", 0.9, `{}`),
	}
	writes[2].Handoff = &Handoff{Kind: HandoffLive, Reason: "complaint"}
	writes[2].Ticket = &Ticket{Kind: "aftersales.damaged"}
	writes[3].Unresolved = &Unresolved{Text: "do you sell bicycles"}
	writes[4].Handoff = &Handoff{Kind: HandoffLive, Reason: "assist"}
	for i, w := range writes {
		if _, err := s.CommitTurn(ctx, w); err != nil {
			t.Fatalf("turn %d: %v", i, err)
		}
	}
	m, err := s.Metrics(ctx, MetricsFilter{Shop: "shop"}, 5)
	if err != nil {
		t.Fatal(err)
	}
	if m.Sessions != 4 || m.HandedOff != 1 || m.BotResolved != 3 || m.Turns != 5 || m.Unresolved != 1 || m.LowConfidence != 1 {
		t.Errorf("metrics = %+v", m)
	}
	if m.ResolutionRate != 0.75 || m.HandoffRate != 0.25 {
		t.Errorf("rates = %v %v", m.ResolutionRate, m.HandoffRate)
	}
	if len(m.TopQuestions) == 0 || m.TopQuestions[0] != (Count{"logistics.when_ship", 2}) {
		t.Errorf("top questions = %+v", m.TopQuestions)
	}
	if len(m.HandoffReasons) != 2 {
		t.Errorf("handoff reasons = %+v", m.HandoffReasons)
	}
	if len(m.CallsPerHour) != 1 || m.CallsPerHour[0].N != 5 || m.CallsPerHour[0].Key != "2026-11-25T12" {
		t.Errorf("calls per hour = %+v", m.CallsPerHour)
	}
	if len(m.Latency) != 1 || m.Latency[0].Door != "text" || m.Latency[0].Brain.N != 5 || m.Latency[0].Brain.P50 != time.Millisecond {
		t.Errorf("latency = %+v", m.Latency)
	}
	// A period before everything is empty.
	if e, err := s.Metrics(ctx, MetricsFilter{Shop: "shop", Until: t0}, 5); err != nil || e.Sessions != 0 || e.Turns != 0 {
		t.Errorf("empty period = %+v, %v", e, err)
	}

	cs, err := s.Complaints(ctx, MetricsFilter{Shop: "shop"}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].Type != "aftersales.damaged" || cs[0].N != 1 || cs[0].Examples[0].Text != "the coat is broken, I am furious" {
		t.Errorf("complaints = %+v", cs)
	}

	low, err := s.LowConfidenceTurns(ctx, "shop", 0.5, 10)
	if err != nil {
		t.Fatal(err)
	}
	// s3's turn is already in the unresolved table; s1's second turn is low.
	if len(low) != 1 || low[0].Text != "where is it" {
		t.Fatalf("low confidence = %+v", low)
	}
	uid, err := s.ResolveTurn(ctx, low[0].TurnID, UnresolvedAssigned, "logistics.where_is_order")
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.UnresolvedByID(ctx, uid)
	if err != nil || u.Text != "where is it" || u.Status != UnresolvedAssigned || u.ShopID != "shop" {
		t.Errorf("UnresolvedByID = %+v, %v", u, err)
	}
	if low, _ := s.LowConfidenceTurns(ctx, "shop", 0.5, 10); len(low) != 0 {
		t.Errorf("resolved turn still listed: %+v", low)
	}
	if _, err := s.ResolveTurn(ctx, 9999, UnresolvedAssigned, "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("ResolveTurn(unknown) = %v", err)
	}
	if _, err := s.UnresolvedByID(ctx, 9999); !errors.Is(err, ErrNotFound) {
		t.Errorf("UnresolvedByID(unknown) = %v", err)
	}
}

func TestHandoffLookupAndClose(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	mustSession(t, s, "s1", "shop")
	w := simpleTurn("s1", 1)
	w.Handoff = &Handoff{Kind: HandoffLive, Reason: "request", Summary: json.RawMessage(`{"reason":"request"}`)}
	ids, err := s.CommitTurn(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	w2 := simpleTurn("s1", 2)
	w2.Handoff = &Handoff{Kind: HandoffLive, Reason: "complaint"}
	if _, err := s.CommitTurn(ctx, w2); err != nil {
		t.Fatal(err)
	}
	h, err := s.HandoffByID(ctx, ids.Handoff)
	if err != nil || h.SessionID != "s1" || h.ShopID != "shop" || h.Status != HandoffQueued || string(h.Summary) != `{"reason":"request"}` {
		t.Errorf("HandoffByID = %+v, %v", h, err)
	}
	if _, err := s.HandoffByID(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown handoff = %v", err)
	}
	if err := s.UpdateHandoff(ctx, ids.Handoff, HandoffAccepted, "amy"); err != nil {
		t.Fatal(err)
	}
	if n, err := s.CloseSessionHandoffs(ctx, "s1"); err != nil || n != 2 {
		t.Errorf("CloseSessionHandoffs = %d, %v; want 2", n, err)
	}
	if n, err := s.CloseSessionHandoffs(ctx, "s1"); err != nil || n != 0 {
		t.Errorf("second close = %d, %v", n, err)
	}
	if tt, err := s.UntrainedTurn(ctx, "shop", ids.Turn); err != nil || tt.Text == "" {
		t.Errorf("UntrainedTurn = %+v, %v", tt, err)
	}
	if _, err := s.UntrainedTurn(ctx, "other-shop", ids.Turn); !errors.Is(err, ErrNotFound) {
		t.Errorf("turn of another shop = %v", err)
	}
	if _, err := s.ResolveTurn(ctx, ids.Turn, UnresolvedOutOfScope, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UntrainedTurn(ctx, "shop", ids.Turn); !errors.Is(err, ErrNotFound) {
		t.Errorf("trained turn = %v", err)
	}
}
