package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/kb"
)

// askChannel is the channel sessions opened by ask and chat are recorded with.
const askChannel = "text"

// defaultIdle is how long an `ask --session` conversation waits for its next
// turn before the same id starts over.
const defaultIdle = 30 * time.Minute

func cmdAsk(ctx context.Context, c *cli, args []string) int {
	fs := c.newFlags("ask", "--shop FILE|ID [--lang zh|en] [--session ID] [--dtmf D] [--db FILE] [TEXT...]")
	var o common
	o.register(fs)
	shopArg := fs.String("shop", "", "shop file, or the id of a shop imported into the DB (required)")
	lang := fs.String("lang", "", "language of a new session: zh or en (default: the shop's first)")
	session := fs.String("session", "", "session id; a new id starts that session, a known one continues it")
	dtmf := fs.String("dtmf", "", "keypad digits instead of text")
	idle := fs.Duration("idle", defaultIdle, "a --session unused for longer starts over")
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	text := strings.Join(pos, " ")
	switch {
	case *shopArg == "":
		fmt.Fprintln(c.stderr, "callbee ask: --shop is required")
		return exitUsage
	case text == "" && *dtmf == "":
		fmt.Fprintln(c.stderr, "callbee ask: give the caller's TEXT or --dtmf DIGITS")
		return exitUsage
	case *lang != "" && !validLang(*lang):
		fmt.Fprintf(c.stderr, "callbee ask: --lang %q: want zh or en\n", *lang)
		return exitUsage
	}
	cfg, err := o.config()
	if err != nil {
		return c.errorf("ask", "%v", err)
	}
	log := quietLogger(c.stderr)
	st, err := openStore(ctx, cfg.DB, log)
	if err != nil {
		return c.errorf("ask", "%v", err)
	}
	defer st.Close()
	shop, err := resolveShop(ctx, st, *shopArg)
	if err != nil {
		return c.errorf("ask", "%s", problems(err))
	}
	e, err := dialog.New(shop, st, engineOptions(cfg, log)...)
	if err != nil {
		return c.errorf("ask", "%v", err)
	}
	reply, err := askOnce(ctx, e, shop, *session, *lang, *idle, dialog.Input{Text: text, DTMF: *dtmf})
	if err != nil {
		return c.errorf("ask", "%v", err)
	}
	b, err := json.Marshal(reply)
	if err != nil {
		return c.errorf("ask", "%v", err)
	}
	fmt.Fprintf(c.stdout, "%s\n", b)
	return exitOK
}

// askOnce answers in within session: a new session when session is "", else
// session continued, or started (over) when it is new, has ended, has been
// idle longer than idle, or belongs to another shop.
func askOnce(ctx context.Context, e *dialog.Engine, shop *kb.Shop, session, lang string, idle time.Duration, in dialog.Input) (dialog.Reply, error) {
	if lang == "" {
		lang = firstLang(shop)
	}
	w, _, err := e.Resume(ctx, dialog.StartOptions{SessionID: session, Lang: lang, Channel: askChannel}, idle)
	if err != nil {
		return dialog.Reply{}, err
	}
	return e.Handle(ctx, w.Session, in)
}
