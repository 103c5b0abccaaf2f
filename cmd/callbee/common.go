package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/internal/config"
	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/store"
)

// newFlags returns a flag set that reports to stderr and never exits.
func (c *cli) newFlags(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("callbee "+name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintf(c.stderr, "usage: callbee %s %s\n\nflags:\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseArgs parses flags that may come before, between or after positional
// arguments ("--" ends flags) and returns the positional ones. ok is false
// after a usage error or -h; code is then the exit code.
func parseArgs(fs *flag.FlagSet, args []string) (pos []string, code int, ok bool) {
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, exitOK, false
			}
			return nil, exitUsage, false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, 0, true
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), 0, true
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// common holds the flags most commands share.
type common struct {
	configPath string
	db         string
}

func (o *common) register(fs *flag.FlagSet) {
	fs.StringVar(&o.configPath, "config", "", "config file (YAML; see callbee.sample.yaml)")
	fs.StringVar(&o.db, "db", "", "SQLite database file (default: $"+config.EnvDB+", else ~/.local/state/callbee/callbee.db)")
}

// config returns the config file's settings (or the defaults) with the flags applied.
func (o *common) config() (config.Config, error) {
	cfg := config.DefaultConfig()
	if o.configPath != "" {
		var err error
		if cfg, err = config.Load(o.configPath); err != nil {
			return cfg, err
		}
	}
	if o.db != "" {
		cfg.DB = o.db
	}
	return cfg, nil
}

// quietLogger logs warnings and errors to w: for commands whose stdout is
// their output.
func quietLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func openStore(ctx context.Context, path string, log *slog.Logger) (*store.Store, error) {
	return store.Open(ctx, path, store.WithLogger(log))
}

// problems renders an error for a person: a shop file's problems one per
// line as file:line: field: msg.
func problems(err error) string {
	var ve *kb.ValidationError
	if errors.As(err, &ve) {
		return strings.TrimRight(ve.Error(), "\n")
	}
	return err.Error()
}

// shopFromDB parses the copy of a shop stored in the database.
func shopFromDB(ctx context.Context, st *store.Store, id string) (*kb.Shop, error) {
	rec, err := st.Shop(ctx, id)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("no shop %q in %s (import one with `callbee kb import FILE`)", id, st.Path())
		}
		return nil, err
	}
	return kb.Parse("db:"+id, rec.YAML)
}

// resolveShop loads a shop named by arg: a shop file when arg is a file,
// else the copy of shop id arg in the database.
func resolveShop(ctx context.Context, st *store.Store, arg string) (*kb.Shop, error) {
	if fi, err := os.Stat(arg); err == nil && !fi.IsDir() {
		return kb.Load(arg)
	}
	if st == nil || strings.ContainsAny(arg, "/\\") || strings.HasSuffix(arg, ".yaml") || strings.HasSuffix(arg, ".yml") {
		_, err := os.Stat(arg)
		return nil, err
	}
	return shopFromDB(ctx, st, arg)
}

// engineOptions are the dialog options the config asks for.
func engineOptions(cfg config.Config, log *slog.Logger) []dialog.Option {
	s := dialog.Schedule{Default: cfg.Service.Mode}
	for _, r := range cfg.Service.Schedule {
		s.Windows = append(s.Windows, dialog.ModeWindow{Days: r.Weekdays(), From: r.From, To: r.To, Mode: r.Mode})
	}
	return []dialog.Option{dialog.WithLogger(log), dialog.WithModes(s)}
}

// firstLang returns the first language a shop speaks (zh before en).
func firstLang(shop *kb.Shop) string {
	for _, l := range []string{kb.LangZH, kb.LangEN} {
		if shop.Shop.Welcome[l] != "" {
			return l
		}
	}
	return kb.LangZH
}

func validLang(l string) bool { return l == kb.LangZH || l == kb.LangEN }
