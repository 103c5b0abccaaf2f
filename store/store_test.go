package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"
)

func TestOpenPragmas(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	tests := []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"foreign_keys", "1"},
		{"busy_timeout", "5000"},
	}
	for _, tt := range tests {
		t.Run(tt.pragma, func(t *testing.T) {
			var got string
			if err := s.w.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("writer PRAGMA %s = %q, want %q", tt.pragma, got, tt.want)
			}
		})
	}
	var fk, qo string
	if err := s.r.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if err := s.r.QueryRowContext(ctx, "PRAGMA query_only").Scan(&qo); err != nil {
		t.Fatal(err)
	}
	if fk != "1" || qo != "1" {
		t.Errorf("reader foreign_keys=%s query_only=%s, want 1 1", fk, qo)
	}
}

func TestOpenCreatesParentDirsAndFile(t *testing.T) {
	checkGoroutines(t)
	tests := []struct{ name, rel string }{
		{"nested", filepath.Join("a", "b", "c", "callbee.db")},
		{"odd characters", filepath.Join("with space", "店铺 #1", "x?y%20z.db")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tt.rel)
			s, err := Open(context.Background(), path, WithLogger(quietLog))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(path); err != nil {
				t.Errorf("database file: %v", err)
			}
			if got := s.Path(); got != path {
				t.Errorf("Path() = %q, want %q", got, path)
			}
			mustSession(t, s, "x", "demo")
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s, err = Open(context.Background(), path, WithLogger(quietLog))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.Session(context.Background(), "x"); err != nil {
				t.Errorf("reopened %s: %v", path, err)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "plain")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	notDB := filepath.Join(dir, "notdb.db")
	if err := os.WriteFile(notDB, []byte("this is not an sqlite database, just some text long enough"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		opts    []Option
		wantErr error // nil: any error
	}{
		{"empty path", "", nil, ErrInvalid},
		{"parent is a file", filepath.Join(file, "x.db"), nil, nil},
		{"not a database", notDB, nil, nil},
		{"nil logger", filepath.Join(dir, "l.db"), []Option{WithLogger(nil)}, ErrInvalid},
		{"nil clock", filepath.Join(dir, "c.db"), []Option{WithClock(nil)}, ErrInvalid},
		{"negative busy timeout", filepath.Join(dir, "b.db"), []Option{WithBusyTimeout(-1)}, ErrInvalid},
		{"zero read conns", filepath.Join(dir, "r.db"), []Option{WithReadConns(0)}, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(context.Background(), tt.path, tt.opts...)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q) succeeded, want error", tt.path)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Open(%q) = %v, want %v", tt.path, err, tt.wantErr)
			}
		})
	}
}

func TestMemory(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	s, err := Open(ctx, ":memory:", WithLogger(quietLog))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustSession(t, s, "m1", "shop")
	ids, err := s.CommitTurn(ctx, simpleTurn("m1", 1))
	if err != nil {
		t.Fatal(err)
	}
	turns, err := s.Turns(ctx, "m1")
	if err != nil {
		t.Fatal(err)
	}
	if len(turns) != 1 || turns[0].ID != ids.Turn {
		t.Errorf("Turns = %+v, want the one committed turn %d", turns, ids.Turn)
	}
}

func TestCloseTwiceAndUseAfterClose(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"), WithLogger(quietLog))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("first Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	calls := map[string]error{
		"Session":      func() error { _, err := s.Session(ctx, "x"); return err }(),
		"CommitTurn":   func() error { _, err := s.CommitTurn(ctx, simpleTurn("x", 1)); return err }(),
		"PutShop":      s.PutShop(ctx, "s", "S", nil),
		"Shops":        func() error { _, err := s.Shops(ctx); return err }(),
		"Turns":        func() error { _, err := s.Turns(ctx, "x"); return err }(),
		"EndSession":   s.EndSession(ctx, "x", t0),
		"Unresolved":   func() error { _, err := s.Unresolved(ctx, UnresolvedFilter{}); return err }(),
		"Version":      func() error { _, err := s.Version(ctx); return err }(),
		"UpdateTicket": s.UpdateTicket(ctx, 1, "done"),
	}
	for name, err := range calls {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
}

func TestMigrationsOnceAndIdempotent(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	type row struct {
		version int
		at      string
	}
	read := func(s *Store) []row {
		t.Helper()
		rows, err := s.r.QueryContext(ctx, "SELECT version, applied_at FROM schema_migrations ORDER BY version")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.version, &r.at); err != nil {
				t.Fatal(err)
			}
			out = append(out, r)
		}
		return out
	}
	var first []row
	for i := range 3 {
		s, err := Open(ctx, path, WithLogger(quietLog))
		if err != nil {
			t.Fatalf("open #%d: %v", i+1, err)
		}
		got := read(s)
		if len(got) != SchemaVersion() {
			t.Errorf("open #%d: %d migration rows, want %d", i+1, len(got), SchemaVersion())
		}
		if i == 0 {
			first = got
			mustSession(t, s, "keep", "shop") // data survives reopen
		} else {
			for j := range got {
				if got[j] != first[j] {
					t.Errorf("open #%d: migration row %+v, first open had %+v", i+1, got[j], first[j])
				}
			}
			if _, err := s.Session(ctx, "keep"); err != nil {
				t.Errorf("open #%d: %v", i+1, err)
			}
		}
		if v, err := s.Version(ctx); err != nil || v != SchemaVersion() {
			t.Errorf("open #%d: Version = %d, %v; want %d", i+1, v, err, SchemaVersion())
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if SchemaVersion() < 1 {
		t.Errorf("SchemaVersion() = %d, want >= 1", SchemaVersion())
	}
}

func TestMigrationNewStepThenSchemaTooNew(t *testing.T) {
	checkGoroutines(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	s, err := Open(ctx, path, WithLogger(quietLog))
	if err != nil {
		t.Fatal(err)
	}
	ms, err := loadMigrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	ms = slices.Clip(ms) // each append below gets its own backing array
	next := len(ms) + 1
	future := append(ms, migration{version: next, name: "future.sql", sql: "CREATE TABLE future (a TEXT); CREATE INDEX future_a ON future (a);"})
	// A failing step rolls back entirely and leaves the version alone.
	bad := append(ms, migration{version: next, name: "bad.sql", sql: "CREATE TABLE half (a TEXT); THIS IS NOT SQL;"})
	if err := s.migrateTo(ctx, bad); err == nil {
		t.Fatal("bad migration succeeded")
	}
	var n int
	if err := s.w.QueryRowContext(ctx, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'").Scan(&n); err != nil || n != 0 {
		t.Errorf("failed migration left table half (count %d, %v)", n, err)
	}
	for range 2 { // applying twice is a no-op the second time
		if err := s.migrateTo(ctx, future); err != nil {
			t.Fatal(err)
		}
	}
	if v, _ := s.Version(ctx); v != next {
		t.Errorf("Version = %d, want %d", v, next)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// This binary does not know version next: refuse the file.
	s2, err := Open(ctx, path, WithLogger(quietLog))
	if err == nil {
		s2.Close()
		t.Fatal("Open of a newer schema succeeded")
	}
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("Open = %v, want ErrSchemaTooNew", err)
	}
}

func TestLoadMigrations(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name    string
		fs      fstest.MapFS
		want    []int
		wantErr bool
	}{
		{"ordered", fstest.MapFS{"migrations/0002_b.sql": file("b"), "migrations/0001_a.sql": file("a")}, []int{1, 2}, false},
		{"empty", fstest.MapFS{}, nil, false},
		{"gap", fstest.MapFS{"migrations/0001_a.sql": file("a"), "migrations/0003_c.sql": file("c")}, nil, true},
		{"duplicate", fstest.MapFS{"migrations/0001_a.sql": file("a"), "migrations/0001_b.sql": file("b")}, nil, true},
		{"no underscore", fstest.MapFS{"migrations/0001.sql": file("a")}, nil, true},
		{"not a number", fstest.MapFS{"migrations/init_a.sql": file("a")}, nil, true},
		{"zero", fstest.MapFS{"migrations/0000_a.sql": file("a")}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := loadMigrations(tt.fs)
			if (err != nil) != tt.wantErr {
				t.Fatalf("loadMigrations err = %v, wantErr %v", err, tt.wantErr)
			}
			var got []int
			for _, m := range ms {
				got = append(got, m.version)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("versions = %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("versions = %v, want %v", got, tt.want)
				}
			}
		})
	}
	if _, err := loadMigrations(migrationFS); err != nil {
		t.Errorf("embedded migrations: %v", err)
	}
}
