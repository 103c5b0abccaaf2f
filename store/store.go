// Package store persists callbee's shops, sessions, turns, handoffs, after-sales tickets and
// unresolved questions in an embedded SQLite database (modernc.org/sqlite, pure Go).
//
// The database runs in WAL mode with synchronous=FULL, so a turn acknowledged by CommitTurn survives
// a crash of the process or the machine. All writes go through one connection (SQLite allows one
// writer at a time; queueing in Go instead of inside SQLite means concurrent sessions never see
// SQLITE_BUSY), while reads use a separate small pool that runs alongside the writer. Concurrent
// CommitTurn calls are group-committed by a writer goroutine the Store owns (stopped by Close): one
// transaction and one fsync for every turn waiting, each turn isolated in its own savepoint.
//
// The schema is versioned: migrations are embedded SQL files (migrations/NNNN_name.sql) applied in
// order, each in its own transaction, and recorded in schema_migrations. Open refuses a database
// migrated by a newer binary (ErrSchemaTooNew).
//
// SQL is kept simple and portable-ish so that a PostgreSQL backend can follow.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// DefaultBusyTimeout is how long a connection waits for a lock held by another process (for example
// a CLI command writing to the same file) before failing with SQLITE_BUSY.
const DefaultBusyTimeout = 5 * time.Second

// DefaultReadConns is the size of the read pool for file databases.
const DefaultReadConns = 4

// memoryPath opens a private in-memory database (tests, throwaway runs).
const memoryPath = ":memory:"

// Store is a callbee database. It is safe for concurrent use.
type Store struct {
	w     *sql.DB // the one writer connection; also serves reads for in-memory databases
	r     *sql.DB // read pool; == w for in-memory databases
	path  string
	clock func() time.Time
	log   *slog.Logger

	commits    chan *commitReq // CommitTurn → runWriter; unbuffered, callers queue on the send
	writerDone chan struct{}   // closed when runWriter returns

	closeOnce sync.Once
	closed    chan struct{} // closed by Close
	closeErr  error
}

// config holds Open's settings; Options adjust it.
type config struct {
	busyTimeout time.Duration
	readConns   int
	clock       func() time.Time
	log         *slog.Logger
	synchronous string // "FULL" in production; tests may lower it to measure the fsync cost
}

// Option configures Open.
type Option func(*config) error

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return fmt.Errorf("store: nil logger: %w", ErrInvalid)
		}
		c.log = l
		return nil
	}
}

// WithClock sets the time source used for timestamps the caller leaves zero (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return fmt.Errorf("store: nil clock: %w", ErrInvalid)
		}
		c.clock = now
		return nil
	}
}

// WithBusyTimeout sets how long to wait for another process's lock (default DefaultBusyTimeout).
func WithBusyTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("store: busy timeout %v: %w", d, ErrInvalid)
		}
		c.busyTimeout = d
		return nil
	}
}

// WithReadConns sets the size of the read pool (default DefaultReadConns).
func WithReadConns(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("store: read conns %d: %w", n, ErrInvalid)
		}
		c.readConns = n
		return nil
	}
}

// Open opens (creating if needed, with its parent directories) the database at path and brings its
// schema up to date. path is a file path, or ":memory:" for a private in-memory database.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	c := config{
		busyTimeout: DefaultBusyTimeout,
		readConns:   DefaultReadConns,
		clock:       time.Now,
		log:         slog.Default(),
		synchronous: "FULL",
	}
	for _, o := range opts {
		if err := o(&c); err != nil {
			return nil, err
		}
	}
	if path == "" {
		return nil, fmt.Errorf("store: open: empty path: %w", ErrInvalid)
	}
	s := &Store{path: path, clock: c.clock, log: c.log.With("component", "store"), closed: make(chan struct{}),
		commits: make(chan *commitReq), writerDone: make(chan struct{})}

	busy := strconv.FormatInt(c.busyTimeout.Milliseconds(), 10)
	if path == memoryPath {
		q := url.Values{}
		q.Set("_busy_timeout", busy)
		q.Set("_foreign_keys", "1")
		q.Set("_txlock", "immediate")
		db, err := sql.Open("sqlite", memoryPath+"?"+q.Encode())
		if err != nil {
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
		// One connection that never expires: every connection to ":memory:" is a new database.
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
		s.w, s.r = db, db
	} else {
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
		if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
			return nil, fmt.Errorf("store: open %s: create directory: %w", path, err)
		}
		uri := "file:" + (&url.URL{Path: abs}).EscapedPath()

		wq := url.Values{}
		wq.Set("_busy_timeout", busy)
		wq.Set("_foreign_keys", "1")
		wq.Set("_journal_mode", "WAL")
		wq.Set("_synchronous", c.synchronous)
		wq.Set("_txlock", "immediate") // take the write lock at BEGIN: no deadlock-prone lock upgrades
		w, err := sql.Open("sqlite", uri+"?"+wq.Encode())
		if err != nil {
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		w.SetConnMaxIdleTime(0)
		s.w = w

		// The writer must exist first: it switches the file to WAL, which read connections rely on.
		if err := s.w.PingContext(ctx); err != nil {
			_ = s.w.Close()
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
		var mode string
		if err := s.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			_ = s.w.Close()
			return nil, fmt.Errorf("store: open %s: journal mode: %w", path, err)
		}
		if mode != "wal" {
			_ = s.w.Close()
			return nil, fmt.Errorf("store: open %s: journal mode is %q, want wal", path, mode)
		}

		rq := url.Values{}
		rq.Set("_busy_timeout", busy)
		rq.Set("_foreign_keys", "1")
		rq.Set("_query_only", "1")
		r, err := sql.Open("sqlite", uri+"?"+rq.Encode())
		if err != nil {
			_ = s.w.Close()
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
		r.SetMaxOpenConns(c.readConns)
		r.SetMaxIdleConns(c.readConns)
		s.r = r
	}

	if err := s.migrate(ctx); err != nil {
		close(s.writerDone) // no writer was started
		return nil, errors.Join(fmt.Errorf("store: open %s: %w", path, err), s.Close())
	}
	go s.runWriter()
	return s, nil
}

// Path returns the path the store was opened with.
func (s *Store) Path() string { return s.path }

// Close closes the database. It is safe to call more than once; later calls return the first result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.closed)
		<-s.writerDone // the writer finishes and answers the batch it holds
		var errs []error
		if s.r != s.w {
			errs = append(errs, s.r.Close())
		}
		errs = append(errs, s.w.Close())
		if err := errors.Join(errs...); err != nil {
			s.closeErr = fmt.Errorf("store: close %s: %w", s.path, err)
		}
	})
	return s.closeErr
}

// check reports ErrClosed once Close has been called.
func (s *Store) check(op string) error {
	select {
	case <-s.closed:
		return fmt.Errorf("store: %s: %w", op, ErrClosed)
	default:
		return nil
	}
}

// now returns the clock's time in UTC.
func (s *Store) now() time.Time { return s.clock().UTC() }

// timeLayout is RFC 3339 with a fixed nine-digit fraction, so stored UTC times sort as strings.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// fmtTime renders t in UTC for storage.
func fmtTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// parseTime reads a stored time.
func parseTime(v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad stored time %q: %w", v, err)
	}
	return t.UTC(), nil
}

// nullTime renders an optional time for storage.
func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return fmtTime(*t)
}

// parseNullTime reads an optional stored time.
func parseNullTime(v sql.NullString) (*time.Time, error) {
	if !v.Valid {
		return nil, nil
	}
	t, err := parseTime(v.String)
	if err != nil {
		return nil, err
	}
	return &t, nil
}
