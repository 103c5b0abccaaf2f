package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/callbee/callbee/dialog"
)

func cmdChat(ctx context.Context, c *cli, args []string) int {
	fs := c.newFlags("chat", "--shop FILE|ID [--lang zh|en] [--session ID] [--db FILE]")
	var o common
	o.register(fs)
	shopArg := fs.String("shop", "", "shop file, or the id of a shop imported into the DB (required)")
	lang := fs.String("lang", "", "zh or en (default: the shop's first language)")
	session := fs.String("session", "", "session id (default: a new one)")
	raw := fs.Bool("json", false, "print replies as raw JSON (toggle with /json)")
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	if *shopArg == "" || len(pos) > 0 {
		fs.Usage()
		return exitUsage
	}
	if *lang != "" && !validLang(*lang) {
		fmt.Fprintf(c.stderr, "callbee chat: --lang %q: want zh or en\n", *lang)
		return exitUsage
	}
	cfg, err := o.config()
	if err != nil {
		return c.errorf("chat", "%v", err)
	}
	log := quietLogger(c.stderr)
	st, err := openStore(ctx, cfg.DB, log)
	if err != nil {
		return c.errorf("chat", "%v", err)
	}
	defer st.Close()
	shop, err := resolveShop(ctx, st, *shopArg)
	if err != nil {
		return c.errorf("chat", "%s", problems(err))
	}
	e, err := dialog.New(shop, st, engineOptions(cfg, log)...)
	if err != nil {
		return c.errorf("chat", "%v", err)
	}
	if *lang == "" {
		*lang = firstLang(shop)
	}
	w, err := e.Start(ctx, dialog.StartOptions{SessionID: *session, Lang: *lang, Channel: askChannel})
	if err != nil {
		return c.errorf("chat", "%v", err)
	}

	p := &chatPrinter{w: c.stdout, color: isTerminal(c.stdout) && os.Getenv("NO_COLOR") == "", json: *raw}
	p.welcome(w)
	in := bufio.NewScanner(c.stdin)
	in.Buffer(make([]byte, 64<<10), 64<<10)
	for {
		p.prompt()
		if !in.Scan() {
			fmt.Fprintln(c.stdout)
			break
		}
		line := strings.TrimSpace(in.Text())
		switch line {
		case "":
			continue
		case "/json":
			p.json = !p.json
			continue
		case "/quit", "/exit":
			return exitOK
		case "/help", "?":
			p.help()
			continue
		}
		reply, err := e.Handle(ctx, w.Session, chatInput(line))
		if err != nil {
			fmt.Fprintf(c.stderr, "callbee chat: %v\n", err)
			if ctx.Err() != nil {
				return exitFail
			}
			continue
		}
		p.reply(reply)
		if reply.EndCall {
			return exitOK
		}
	}
	if err := in.Err(); err != nil {
		return c.errorf("chat", "%v", err)
	}
	return exitOK
}

// chatInput reads a single keypad key ("1", "*", "#") or "#" followed by keys
// ("#12", "#2*") as keypad digits; anything else is text.
func chatInput(line string) dialog.Input {
	if line != "" && strings.Trim(line, "0123456789*#") == "" {
		if len(line) == 1 {
			return dialog.Input{DTMF: line}
		}
		if line[0] == '#' {
			return dialog.Input{DTMF: line[1:]}
		}
	}
	return dialog.Input{Text: line}
}

// chatPrinter prints a conversation for a person.
type chatPrinter struct {
	w     io.Writer
	color bool // ANSI dim for the details suffix
	json  bool
}

func (p *chatPrinter) dim(s string) string {
	if p.color {
		return "\x1b[2m" + s + "\x1b[0m"
	}
	return s
}

func (p *chatPrinter) welcome(w dialog.Welcome) {
	if p.json {
		b, _ := json.Marshal(w)
		fmt.Fprintf(p.w, "%s\n", b)
		return
	}
	fmt.Fprintf(p.w, "bot: %s\n", w.Text)
	for _, c := range w.Cards {
		fmt.Fprintf(p.w, "  %s. %s\n", c.Key, c.Question)
	}
	fmt.Fprintln(p.w, p.dim(fmt.Sprintf("(session %s, %s; type a question, a digit or #digits for the keypad, /json, /help; Ctrl-D ends)", w.Session, w.Lang)))
}

func (p *chatPrinter) help() {
	fmt.Fprintln(p.w, p.dim("type a question; `1` or `#123` sends keypad digits; /json toggles raw JSON; /quit or Ctrl-D ends"))
}

func (p *chatPrinter) prompt() {
	if p.color {
		fmt.Fprint(p.w, "you> ")
	}
}

func (p *chatPrinter) reply(r dialog.Reply) {
	if p.json {
		b, _ := json.Marshal(r)
		fmt.Fprintf(p.w, "%s\n", b)
		return
	}
	fmt.Fprintf(p.w, "bot: %s  %s\n", r.Text, p.dim(details(r)))
	if len(r.RelatedQuestions) > 0 && !r.EndCall {
		fmt.Fprintln(p.w, p.dim("     related: "+strings.Join(r.RelatedQuestions, " / ")))
	}
}

// details is the one-line summary of a reply's fields.
func details(r dialog.Reply) string {
	var parts []string
	if r.FAQ != nil {
		parts = append(parts, "faq="+*r.FAQ)
	} else if r.OutOfScope {
		parts = append(parts, "out of scope")
	}
	parts = append(parts, fmt.Sprintf("conf=%.2f", r.Confidence))
	if r.Action != "" {
		parts = append(parts, "action="+r.Action)
	}
	if r.AsksFor != nil {
		parts = append(parts, "asks_for="+*r.AsksFor)
	}
	if r.Order != nil {
		parts = append(parts, fmt.Sprintf("order=%s found=%v %s", r.Order.ID, r.Order.Found, r.Order.Status))
	}
	if r.Product != nil {
		parts = append(parts, "product="+*r.Product)
	}
	if r.Size != nil {
		parts = append(parts, "size="+*r.Size)
	}
	if r.Emotion != "" && r.Emotion != "neutral" {
		parts = append(parts, "emotion="+r.Emotion)
	}
	if r.Handoff {
		h := "handoff"
		if r.HandoffReason != "" {
			h += "(" + r.HandoffReason + ")"
		}
		if r.Callback {
			h += " callback"
		}
		parts = append(parts, h)
	}
	if r.Draft {
		parts = append(parts, "draft for an agent")
	}
	if r.EndCall {
		parts = append(parts, "end_call")
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
