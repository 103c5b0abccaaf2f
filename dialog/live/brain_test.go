package live

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/kb/kbtest"
	"github.com/callbee/callbee/store"
)

// TestBrainHold: a text session on the demo shop's real brain; while an
// agent holds it the bot stays silent, the agent's words reach the client
// through the transcript, and after release the bot answers again.
func TestBrainHold(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "c.db"), store.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	shop := kbtest.DemoShop(t)
	e, err := dialog.New(shop, st, dialog.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	reg := newReg(t, WithRecorder(StoreRecorder{St: st}))
	b := Wrap(shop.ID(), e, reg, st)

	w, err := b.Start(ctx, dialog.StartOptions{Lang: "en", Channel: "text", Caller: "web"})
	if err != nil {
		t.Fatal(err)
	}
	rp, err := b.Handle(ctx, w.Session, dialog.Input{Text: "when will you ship my order"})
	if err != nil || rp.FAQ == nil || *rp.FAQ != "logistics.when_ship" {
		t.Fatalf("bot answer = %+v, %v", rp, err)
	}
	if err := reg.Hold(w.Session, "amy"); err != nil {
		t.Fatal(err)
	}
	rp, err = b.Handle(ctx, w.Session, dialog.Input{Text: "this is useless, I am very angry"})
	if err != nil {
		t.Fatal(err)
	}
	if rp.Text != "" || rp.Action != ActionAgent || rp.Handoff || rp.FAQ != nil || rp.Turn != 2 {
		t.Errorf("held reply = %+v, want silent", rp)
	}
	if err := reg.Say(ctx, w.Session, "amy", "Hi, this is Amy. Let me check your parcel."); err != nil {
		t.Fatal(err)
	}
	tr, err := b.Transcript(ctx, w.Session)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Turns) != 3 {
		t.Fatalf("transcript has %d turns, want 3: %+v", len(tr.Turns), tr.Turns)
	}
	last := tr.Turns[2]
	if last.Text != "" || last.Reply.Action != ActionAgent || last.Reply.Text != "Hi, this is Amy. Let me check your parcel." {
		t.Errorf("agent turn = %+v", last)
	}
	if tr.Turns[1].Reply.Text != "" || tr.Turns[1].Text != "this is useless, I am very angry" {
		t.Errorf("held caller turn = %+v", tr.Turns[1])
	}
	info, lines, _ := reg.Session(w.Session)
	if info.Agent != "amy" || info.Turns != 2 || len(lines) < 5 {
		t.Errorf("live info %+v, %d lines", info, len(lines))
	}
	if err := reg.Release(w.Session); err != nil {
		t.Fatal(err)
	}
	rp, err = b.Handle(ctx, w.Session, dialog.Input{Text: "when will you ship my order"})
	if err != nil || rp.Text == "" || rp.Action == ActionAgent {
		t.Errorf("after release = %+v, %v", rp, err)
	}
	// Errors keep the brain's names.
	if _, err := b.Handle(ctx, "no-such-session", dialog.Input{Text: "hi"}); !errors.Is(err, dialog.ErrUnknownSession) {
		t.Errorf("unknown session = %v", err)
	}
}
