package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/callbee/callbee/dialog/live"
	"github.com/callbee/callbee/internal/config"
	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/store"
	"github.com/callbee/callbee/web"
	"github.com/callbee/callbee/web/console"
)

func cmdServe(ctx context.Context, c *cli, args []string) int {
	fs := c.newFlags("serve", "[--config FILE] [--addr HOST:PORT] [--db FILE] [--shop FILE]...")
	var o common
	o.register(fs)
	addr := fs.String("addr", "", "listen address (default from config: "+config.DefaultAddr+")")
	var shops listFlag
	fs.Var(&shops, "shop", "shop file to serve (repeatable; besides the config's and the imported shops)")
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		fs.Usage()
		return exitUsage
	}
	cfg, err := o.config()
	if err != nil {
		return c.errorf("serve", "%v", err)
	}
	if *addr != "" {
		cfg.HTTP.Addr = *addr
	}
	cfg.Shops = append(cfg.Shops, shops...)
	log := cfg.Logger(c.stderr)

	st, err := openStore(ctx, cfg.DB, log)
	if err != nil {
		return c.errorf("serve", "%v", err)
	}
	defer st.Close()

	brains, err := newLiveBrains(ctx, st, cfg, log)
	if err != nil {
		return c.errorf("serve", "%s", problems(err))
	}
	// Sessions in progress on every door, for the agent console.
	reg, err := newRegistry(st, log)
	if err != nil {
		return c.errorf("serve", "%v", err)
	}
	con, err := console.New(console.Config{Store: st, Brains: brains, Live: reg, Log: log, Reload: brains.Reload,
		SecureCookies: cfg.HTTP.SecureCookies})
	if err != nil {
		return c.errorf("serve", "console: %v", err)
	}
	defer con.Close()
	restoreModes := func(ctx context.Context) {
		if err := con.RestoreModes(ctx); err != nil {
			log.Warn("service modes switched in the console not restored", "err", err)
		}
	}
	restoreModes(ctx)
	brains.afterReload = restoreModes
	stopReload := brains.reloadOnHUP(ctx)
	defer stopReload()

	dr, err := openDoors(ctx, cfg, st, brains, reg, log)
	if err != nil {
		return c.errorf("serve", "%v", err)
	}
	defer func() {
		if err := dr.Close(); err != nil {
			log.Warn("closing the doors", "err", err)
		}
	}()
	handler, err := dr.handler(web.New(console.TextBrains(brains, reg, st), web.WithLogger(log)), con, brains)
	if err != nil {
		return c.errorf("serve", "%v", err)
	}

	ln, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		return c.errorf("serve", "%v", err)
	}
	doorsCtx, stopDoors := context.WithCancel(context.WithoutCancel(ctx))
	defer stopDoors()
	dr.start(doorsCtx, brains, cfg.Voice.Prepare)
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := brains.Shops()
	ids := make([]string, len(served))
	for i, s := range served {
		ids[i] = s.ID
	}
	log.Info("serving", "addr", ln.Addr().String(), "shops", ids, "db", st.Path(), "reload", "SIGHUP")
	fmt.Fprintf(c.stdout, "callbee: serving %d shop(s) on http://%s\n", len(served), ln.Addr())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return c.errorf("serve", "%v", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.HTTP.ShutdownTimeout)
	// Phone calls in progress finish first; a second signal ends them.
	again, stopAgain := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	if err := dr.drain(again); err != nil && again.Err() == nil {
		log.Warn("drain", "err", err)
	}
	stopAgain()
	stopDoors()
	if err := con.Close(); err != nil { // ends the consoles' live-update streams
		log.Warn("console", "err", err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), cfg.HTTP.ShutdownTimeout)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		return c.errorf("serve", "shutdown: %v", err)
	}
	log.Info("stopped")
	return exitOK
}

// newRegistry is the registry of sessions in progress, recording agents'
// words in st.
func newRegistry(st *store.Store, log *slog.Logger) (*live.Registry, error) {
	return live.New(live.WithLogger(log), live.WithRecorder(live.StoreRecorder{St: st}))
}

// loadShops returns the shops imported into st and those in files, by id; a
// file's shop replaces an imported copy with the same id. Every file is
// validated; the first bad one stops the start.
func loadShops(ctx context.Context, st *store.Store, files []string, log *slog.Logger) ([]*kb.Shop, error) {
	byID := map[string]*kb.Shop{}
	var order []string
	recs, err := st.Shops(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		shop, err := shopFromDB(ctx, st, r.ID)
		if err != nil {
			// An imported shop that no longer parses (format changed) must not
			// keep the others from being served.
			log.Error("skipping imported shop", "shop", r.ID, "err", err)
			continue
		}
		byID[r.ID] = shop
		order = append(order, r.ID)
	}
	for _, f := range files {
		shop, err := kb.Load(f)
		if err != nil {
			return nil, err
		}
		if _, dup := byID[shop.ID()]; dup {
			log.Warn("shop file replaces the imported copy", "shop", shop.ID(), "file", f)
		} else {
			order = append(order, shop.ID())
		}
		byID[shop.ID()] = shop
	}
	if len(order) == 0 {
		return nil, fmt.Errorf("no shops: give --shop FILE, list shops in the config, or `callbee kb import FILE` (db %s)", st.Path())
	}
	out := make([]*kb.Shop, len(order))
	for i, id := range order {
		out[i] = byID[id]
	}
	return out, nil
}

// exists reports whether a file exists.
func exists(path string) bool { _, err := os.Stat(path); return err == nil }
