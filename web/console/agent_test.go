package console

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/live"
	"github.com/callbee/callbee/store"
	"github.com/callbee/callbee/web"
)

// TestAgentFlow: a caller asks for a person; an agent sees the handoff with
// the brain's summary, accepts it, sees smart-assist suggestions, replies
// (the text client reads it in the transcript, the bot stays silent) and
// gives the session back to the bot.
func TestAgentFlow(t *testing.T) {
	e := newEnv(t)
	caller := e.anon()
	var w dialog.Welcome
	caller.call("POST", "/api/v1/sessions", web.StartRequest{Shop: demoShop, Lang: "en", Caller: "web-visitor"}, http.StatusCreated, &w)
	sid := w.Session
	var rp dialog.Reply
	caller.call("POST", "/api/v1/sessions/"+sid+"/messages", web.MessageRequest{Text: "where is my order 2024112500001"}, http.StatusOK, &rp)
	caller.call("POST", "/api/v1/sessions/"+sid+"/messages", web.MessageRequest{Text: "I want to talk to a real person"}, http.StatusOK, &rp)
	if !rp.Handoff {
		t.Fatalf("no handoff: %+v", rp)
	}

	amy, ann := e.login("amy"), e.login("ann")
	var live1 struct{ Sessions []live.Info }
	amy.call("GET", "/api/v1/console/live?shop="+demoShop, nil, http.StatusOK, &live1)
	if len(live1.Sessions) != 1 || live1.Sessions[0].Session != sid || live1.Sessions[0].Door != "text" ||
		live1.Sessions[0].Caller != "web-visitor" || !live1.Sessions[0].Handoff || live1.Sessions[0].Lang != "en" {
		t.Fatalf("live = %+v", live1.Sessions)
	}
	var hs struct{ Handoffs []HandoffView }
	amy.call("GET", "/api/v1/console/handoffs", nil, http.StatusOK, &hs)
	if len(hs.Handoffs) != 1 || hs.Handoffs[0].SessionID != sid || hs.Handoffs[0].Live == nil {
		t.Fatalf("handoffs = %+v", hs.Handoffs)
	}
	var sum map[string]any
	if err := json.Unmarshal(hs.Handoffs[0].Summary, &sum); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"transcript", "intents", "entities", "emotion", "reason"} {
		if _, ok := sum[k]; !ok {
			t.Errorf("summary lacks %s: %v", k, sum)
		}
	}
	if !strings.Contains(string(hs.Handoffs[0].Summary), "2024112500001") {
		t.Errorf("summary lacks the order: %s", hs.Handoffs[0].Summary)
	}
	hid := itoa(hs.Handoffs[0].ID)
	amy.call("POST", "/api/v1/console/handoffs/"+hid+"/accept", map[string]any{}, http.StatusOK, nil)
	ann.call("POST", "/api/v1/console/handoffs/"+hid+"/accept", map[string]any{}, http.StatusConflict, nil)
	amy.call("POST", "/api/v1/console/handoffs/999/accept", map[string]any{}, http.StatusNotFound, nil)

	// The bot is silent while amy holds the session.
	caller.call("POST", "/api/v1/sessions/"+sid+"/messages", web.MessageRequest{Text: "when will you ship my order"}, http.StatusOK, &rp)
	if rp.Text != "" || rp.Action != live.ActionAgent {
		t.Errorf("bot answered a held session: %+v", rp)
	}
	var sg SuggestionsResponse
	amy.call("GET", "/api/v1/console/sessions/"+sid+"/suggestions", nil, http.StatusOK, &sg)
	if sg.Text != "when will you ship my order" || len(sg.Suggestions) != 3 || sg.Suggestions[0].FAQ != "logistics.when_ship" ||
		sg.Suggestions[0].Answer == "" || sg.Suggestions[0].Confidence <= sg.Suggestions[1].Confidence {
		t.Errorf("suggestions = %+v", sg)
	}
	if sg.Facts.Order == nil || sg.Facts.Order.ID != "2024112500001" {
		t.Errorf("order in view = %+v", sg.Facts.Order)
	}
	amy.call("POST", "/api/v1/console/sessions/"+sid+"/reply", ReplyRequest{Text: sg.Suggestions[0].Answer}, http.StatusOK, nil)
	amy.call("POST", "/api/v1/console/sessions/"+sid+"/reply", ReplyRequest{Text: "  "}, http.StatusBadRequest, nil)
	ann.call("POST", "/api/v1/console/sessions/"+sid+"/reply", ReplyRequest{Text: "me too"}, http.StatusConflict, nil)
	var tr dialog.Transcript
	caller.call("GET", "/api/v1/sessions/"+sid, nil, http.StatusOK, &tr)
	last := tr.Turns[len(tr.Turns)-1]
	if last.Reply.Action != live.ActionAgent || last.Reply.Text != sg.Suggestions[0].Answer {
		t.Errorf("the caller's transcript ends with %+v", last)
	}
	var ls LiveSession
	amy.call("GET", "/api/v1/console/live/"+sid, nil, http.StatusOK, &ls)
	if ls.Info.Agent != "amy" || ls.Lines[len(ls.Lines)-1].Who != live.WhoAgent {
		t.Errorf("live session = %+v", ls)
	}

	amy.call("POST", "/api/v1/console/sessions/"+sid+"/release", map[string]any{}, http.StatusOK, nil)
	caller.call("POST", "/api/v1/sessions/"+sid+"/messages", web.MessageRequest{Text: "when will you ship my order"}, http.StatusOK, &rp)
	if rp.Text == "" || rp.Action == live.ActionAgent {
		t.Errorf("bot silent after release: %+v", rp)
	}
	amy.call("GET", "/api/v1/console/handoffs?status=closed", nil, http.StatusOK, &hs)
	if len(hs.Handoffs) != 1 || hs.Handoffs[0].Agent != "amy" {
		t.Errorf("closed handoffs = %+v", hs.Handoffs)
	}

	// A callback request: accepting takes the task without holding anything; closing ends it.
	cb := e.anon()
	cb.call("POST", "/api/v1/sessions", web.StartRequest{Shop: demoShop, Lang: "en"}, http.StatusCreated, &w)
	if _, err := e.st.CommitTurn(t.Context(), store.TurnWrite{SessionID: w.Session, Turn: store.Turn{UserText: "call me back tomorrow"},
		Handoff: &store.Handoff{Kind: store.HandoffCallback, Reason: "request"}}); err != nil {
		t.Fatal(err)
	}
	amy.call("GET", "/api/v1/console/handoffs", nil, http.StatusOK, &hs)
	if len(hs.Handoffs) != 1 || hs.Handoffs[0].Kind != store.HandoffCallback {
		t.Fatalf("queue = %+v", hs.Handoffs)
	}
	cid := itoa(hs.Handoffs[0].ID)
	var acc map[string]any
	amy.call("POST", "/api/v1/console/handoffs/"+cid+"/accept", map[string]any{}, http.StatusOK, &acc)
	if acc["callback"] != true || e.reg.Held(w.Session) {
		t.Errorf("callback accept = %v, held %v", acc, e.reg.Held(w.Session))
	}
	amy.call("POST", "/api/v1/console/handoffs/"+cid+"/close", map[string]any{}, http.StatusOK, nil)
	amy.call("POST", "/api/v1/console/handoffs/"+cid+"/accept", map[string]any{}, http.StatusConflict, nil)
	amy.call("POST", "/api/v1/console/handoffs/9999/close", map[string]any{}, http.StatusNotFound, nil)

	// A session from before a restart is found in the store.
	e.reg.End(sid)
	amy.call("GET", "/api/v1/console/live/no-such", nil, http.StatusNotFound, nil)
	// A voice door without an agent sink: holding works, typing is refused.
	e.reg.Begin(live.Info{Session: "call-1", Shop: demoShop, Door: "sip"}, nil)
	amy.call("POST", "/api/v1/console/sessions/call-1/hold", map[string]any{}, http.StatusOK, nil)
	amy.call("POST", "/api/v1/console/sessions/call-1/reply", ReplyRequest{Text: "hello"}, http.StatusConflict, nil)
}

// TestModes: agents switch the service mode live; it survives a knowledge
// edit (which rebuilds the brains) and a reload followed by RestoreModes.
func TestModes(t *testing.T) {
	e := newEnv(t)
	amy := e.login("amy")
	path := "/api/v1/console/shops/" + demoShop + "/mode"
	var mv ModeView
	amy.call("GET", path, nil, http.StatusOK, &mv)
	if mv.Current != dialog.ModeFullAuto || len(mv.Modes) != 3 {
		t.Errorf("mode = %+v", mv)
	}
	amy.call("PUT", path, ModeRequest{Override: "chaos"}, http.StatusBadRequest, nil)
	amy.call("PUT", path, ModeRequest{Schedule: &dialog.Schedule{Default: "x"}}, http.StatusBadRequest, nil)
	amy.call("PUT", path, ModeRequest{Override: dialog.ModeSmartAssist}, http.StatusOK, &mv)
	if mv.Current != dialog.ModeSmartAssist {
		t.Errorf("after switch: %+v", mv)
	}
	if rp := e.ask("", "when will you ship my order"); !rp.Draft || rp.Mode != dialog.ModeSmartAssist {
		t.Errorf("smart-assist reply = %+v", rp)
	}
	// A knowledge edit rebuilds the brains; the mode stays.
	e.login("tom").call("POST", "/api/v1/console/shops/"+demoShop+"/faqs/chat.thanks/phrasings", PhrasingRequest{Lang: "en", Text: "cheers mate"}, http.StatusOK, nil)
	amy.call("GET", path, nil, http.StatusOK, &mv)
	if mv.Current != dialog.ModeSmartAssist {
		t.Errorf("mode after an edit: %+v", mv)
	}
	if err := e.brains.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := e.con.RestoreModes(t.Context()); err != nil {
		t.Fatal(err)
	}
	amy.call("GET", path, nil, http.StatusOK, &mv)
	if mv.Current != dialog.ModeSmartAssist {
		t.Errorf("mode after reload+restore: %+v", mv)
	}
	sched := dialog.Schedule{Default: dialog.ModeFullAuto, Windows: []dialog.ModeWindow{{From: "00:00", To: "24:00", Mode: dialog.ModeHumanFirst}}}
	amy.call("PUT", path, ModeRequest{Override: "", Schedule: &sched}, http.StatusOK, &mv)
	if mv.Current != dialog.ModeHumanFirst || mv.Override != "" || len(mv.Schedule.Windows) != 1 {
		t.Errorf("scheduled human-first: %+v", mv)
	}
	modes, _ := e.st.AllShopModes(t.Context())
	if len(modes) != 1 || modes[0].Override != "" || len(modes[0].Schedule) == 0 {
		t.Errorf("stored modes = %+v", modes)
	}
	_ = store.RoleAgent
}
