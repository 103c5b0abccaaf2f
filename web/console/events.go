package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// eventPing is how often an idle event stream gets a comment line, so
// proxies and the browser keep it open.
const eventPing = 15 * time.Second

// liveEvents streams the live registry's updates as server-sent events
// (event: begin|line|hold|release|end; data: the update as JSON), for one
// shop with ?shop=. The page refreshes on each; it also polls, so a stream
// cut by a proxy loses nothing. Streams end when the client goes or Close
// is called.
func (c *Console) liveEvents(w http.ResponseWriter, r *http.Request, _ user) {
	shop := r.URL.Query().Get("shop")
	rc := http.NewResponseController(w)
	// The server's write timeout is for ordinary responses; this one lasts.
	if err := rc.SetWriteDeadline(time.Time{}); err != nil {
		c.log.Debug("event stream: cannot lift the write deadline", "err", err)
	}
	sub := c.live.Subscribe(0)
	defer sub.Close()
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, ": callbee live\n\n"); err != nil {
		return
	}
	if err := rc.Flush(); err != nil {
		return
	}
	ping := time.NewTicker(eventPing)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-c.done:
			return
		case <-ping.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return
			}
		case u, ok := <-sub.C():
			if !ok {
				return
			}
			if shop != "" && u.Info.Shop != shop && u.Info.Shop != "" {
				continue
			}
			b, err := json.Marshal(u)
			if err != nil {
				c.log.Error("event stream: encode update", "err", err)
				continue
			}
			if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", u.Kind, b); err != nil {
				return
			}
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

// Close ends the console's event streams (call it before the HTTP server's
// Shutdown, which waits for them). It is safe to call more than once.
func (c *Console) Close() error {
	c.closeOnce.Do(func() { close(c.done) })
	return nil
}
