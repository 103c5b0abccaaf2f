package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/dialog/voice"
	"github.com/callbee/callbee/internal/config"
	"github.com/callbee/callbee/kb"
	"github.com/callbee/callbee/store"
	"github.com/callbee/callbee/telephony/switchboard"
	"github.com/callbee/callbee/web"
)

// liveBrains is the set of shop brains `serve` answers with. Reload builds a
// whole new set from the shop files and the store and swaps it in only when
// every shop loads and validates: a bad file never replaces a good one.
type liveBrains struct {
	st    *store.Store
	cfg   config.Config
	log   *slog.Logger
	cur   atomic.Pointer[web.BrainSet]
	lines atomic.Pointer[switchboard.Engines] // the same brains, for the voice doors
	mu    sync.Mutex                          // serialises reloads
	count int                                 // shops in the current set, for logs
	// afterReload runs after each successful reload (the console restores
	// the service modes switched live). Set before reloadOnHUP.
	afterReload func(ctx context.Context)
}

var _ web.BrainSet = (*liveBrains)(nil)

func newLiveBrains(ctx context.Context, st *store.Store, cfg config.Config, log *slog.Logger) (*liveBrains, error) {
	l := &liveBrains{st: st, cfg: cfg, log: log}
	if err := l.Reload(ctx); err != nil {
		return nil, err
	}
	return l, nil
}

// Reload rebuilds every shop's brain; on any error the running set stays.
func (l *liveBrains) Reload(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	loaded, err := loadShops(ctx, l.st, l.cfg.Shops, l.log)
	if err != nil {
		return err
	}
	brains := make([]web.ShopBrain, 0, len(loaded))
	engines := make(switchboard.Engines, 0, len(loaded))
	for _, shop := range loaded {
		e, err := dialog.New(shop, l.st, engineOptions(l.cfg, l.log)...)
		if err != nil {
			return fmt.Errorf("shop %s: %w", shop.ID(), err)
		}
		brains = append(brains, e)
		engines = append(engines, e)
	}
	set := web.Brains(brains...)
	l.cur.Store(&set)
	l.lines.Store(&engines)
	l.count = len(brains)
	return nil
}

// Brain implements web.BrainSet.
func (l *liveBrains) Brain(id string) (web.Brain, bool) { return (*l.cur.Load()).Brain(id) }

// Line implements switchboard.Lines: the brain, shop and static texts of
// shop id ("" is the first shop).
func (l *liveBrains) Line(id string) (switchboard.Line, bool) { return l.lines.Load().Line(id) }

// Brain of telephony.Brains, for text sessions at the doors.
func (l *liveBrains) voiceBrain(id string) (voice.Brain, bool) {
	line, ok := l.Line(id)
	return line.Brain, ok
}

// kbShops lists the shops served.
func (l *liveBrains) kbShops() []*kb.Shop {
	es := *l.lines.Load()
	out := make([]*kb.Shop, len(es))
	for i, e := range es {
		out[i] = e.Shop()
	}
	return out
}

// Shops implements web.BrainSet.
func (l *liveBrains) Shops() []web.ShopInfo { return (*l.cur.Load()).Shops() }

// reloadOnHUP reloads the shops on every SIGHUP until ctx ends; it returns a
// function that stops it and waits for it.
func (l *liveBrains) reloadOnHUP(ctx context.Context) (stop func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				if err := l.Reload(ctx); err != nil {
					l.log.Error("reload failed; still serving the previous shops", "err", problems(err))
					continue
				}
				l.log.Info("shops reloaded", "shops", l.count)
				if l.afterReload != nil {
					l.afterReload(ctx)
				}
			}
		}
	}()
	return func() {
		signal.Stop(hup)
		cancel()
		<-done
	}
}
