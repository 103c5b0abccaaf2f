// Package dialogtest holds test doubles for the brain: an in-memory Store
// used by benchmarks that measure understanding and decision time without
// the disk, and by tests that do not care about durability.
package dialogtest

import (
	"context"
	"fmt"
	"sync"

	"github.com/callbee/callbee/dialog"
	"github.com/callbee/callbee/store"
)

// MemStore keeps sessions and turns in memory. It is not durable.
type MemStore struct {
	mu       sync.Mutex // guards everything below
	sessions map[string]store.Session
	turns    map[string][]store.Turn
	nextID   int64
	keep     bool
}

var _ dialog.Store = (*MemStore)(nil)

// NewMemStore returns an empty store. keepTurns false drops turns after
// counting them (for long benchmarks).
func NewMemStore(keepTurns bool) *MemStore {
	return &MemStore{sessions: map[string]store.Session{}, turns: map[string][]store.Turn{}, keep: keepTurns}
}

// CreateSession implements dialog.Store.
func (m *MemStore) CreateSession(_ context.Context, s store.Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.sessions[s.ID]; ok {
		return fmt.Errorf("memstore: session %q: %w", s.ID, store.ErrExists)
	}
	m.sessions[s.ID] = s
	return nil
}

// Session implements dialog.Store.
func (m *MemStore) Session(_ context.Context, id string) (store.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[id]
	if !ok {
		return store.Session{}, fmt.Errorf("memstore: session %q: %w", id, store.ErrNotFound)
	}
	return s, nil
}

// Turns implements dialog.Store.
func (m *MemStore) Turns(_ context.Context, id string) ([]store.Turn, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]store.Turn(nil), m.turns[id]...), nil
}

// CommitTurn implements dialog.Store.
func (m *MemStore) CommitTurn(_ context.Context, w store.TurnWrite) (store.TurnIDs, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[w.SessionID]
	if !ok {
		return store.TurnIDs{}, fmt.Errorf("memstore: session %q: %w", w.SessionID, store.ErrNotFound)
	}
	if s.EndedAt != nil {
		return store.TurnIDs{}, fmt.Errorf("memstore: session %q: %w", w.SessionID, store.ErrSessionEnded)
	}
	if w.State != nil {
		s.State = w.State
	}
	if w.EndSession {
		at := w.Turn.At
		s.EndedAt = &at
	}
	m.sessions[w.SessionID] = s
	m.nextID++
	ids := store.TurnIDs{Turn: m.nextID}
	t := w.Turn
	t.ID = m.nextID
	if m.keep {
		ids.Seq = len(m.turns[w.SessionID]) + 1
		t.Seq = ids.Seq
		m.turns[w.SessionID] = append(m.turns[w.SessionID], t)
	}
	if w.Handoff != nil {
		m.nextID++
		ids.Handoff = m.nextID
	}
	if w.Ticket != nil {
		m.nextID++
		ids.Ticket = m.nextID
	}
	if w.Unresolved != nil {
		m.nextID++
		ids.Unresolved = m.nextID
	}
	return ids, nil
}

// RestartSession implements dialog.Store.
func (m *MemStore) RestartSession(_ context.Context, s store.Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.sessions[s.ID]; !ok {
		return fmt.Errorf("memstore: session %q: %w", s.ID, store.ErrNotFound)
	}
	m.sessions[s.ID] = s
	return nil
}
