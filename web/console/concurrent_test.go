package console

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/media/mediatest"
	"github.com/callbee/callbee/web"
)

// TestConcurrentUse: callers talk, a trainer edits knowledge (each edit
// rebuilds the brains), an agent polls and takes sessions over, all at
// once. Every request must succeed, every edit must be applied and audited,
// and nothing may be left running.
func TestConcurrentUse(t *testing.T) {
	mediatest.CheckLeaks(t)
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tr, amy := e.login("tom"), e.login("amy")
	errs := make(chan error, 100)
	var wg sync.WaitGroup
	const callers, turns, edits = 4, 4, 3

	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := e.anon()
			var w dialog.Welcome
			if err := c.try("POST", "/api/v1/sessions", web.StartRequest{Shop: demoShop, Lang: "en"}, http.StatusCreated, &w); err != nil {
				errs <- err
				return
			}
			for j := 0; j < turns && ctx.Err() == nil; j++ {
				var rp dialog.Reply
				if err := c.try("POST", "/api/v1/sessions/"+w.Session+"/messages", web.MessageRequest{Text: fmt.Sprintf("when will you ship order number %d", i*10+j)}, http.StatusOK, &rp); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < edits && ctx.Err() == nil; i++ {
			if err := tr.try("POST", "/api/v1/console/shops/"+demoShop+"/faqs/chat.thanks/phrasings",
				PhrasingRequest{Lang: "en", Text: fmt.Sprintf("thanks a million number %d", i)}, http.StatusOK, nil); err != nil {
				errs <- err
				return
			}
		}
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 10 && ctx.Err() == nil; i++ {
			var live struct{ Sessions []struct{ Session string } }
			if err := amy.try("GET", "/api/v1/console/live", nil, http.StatusOK, &live); err != nil {
				errs <- err
				return
			}
			if len(live.Sessions) > 0 {
				s := live.Sessions[0].Session
				for _, p := range []string{"/hold", "/release"} {
					if err := amy.try("POST", "/api/v1/console/sessions/"+s+p, map[string]any{}, http.StatusOK, nil); err != nil {
						errs <- err
						return
					}
				}
			}
			if err := amy.try("GET", "/api/v1/console/handoffs?status=all", nil, http.StatusOK, nil); err != nil {
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if ctx.Err() != nil {
		t.Fatal("deadline passed")
	}
	eng, err := e.con.engine(demoShop)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(eng.Shop().FAQ("chat.thanks").Phrasings["en"]); n < edits {
		t.Errorf("%d English phrasings after %d edits", n, edits)
	}
	audit, err := e.st.Audit(context.Background(), storeAuditAll)
	if err != nil || len(audit) != edits {
		t.Errorf("%d audit rows, want %d (%v)", len(audit), edits, err)
	}
	if n := len(e.reg.Sessions()); n != callers {
		t.Errorf("%d live sessions, want %d", n, callers)
	}
}
