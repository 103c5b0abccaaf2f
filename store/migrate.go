package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one embedded schema step.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads the embedded migrations in version order. File names are NNNN_name.sql;
// versions must be unique and start at 1 without gaps.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	var ms []migration
	for _, n := range names {
		base := path.Base(n)
		num, _, ok := strings.Cut(base, "_")
		if !ok {
			return nil, fmt.Errorf("migration %s: name is not NNNN_name.sql", base)
		}
		v, err := strconv.Atoi(num)
		if err != nil || v < 1 {
			return nil, fmt.Errorf("migration %s: bad version %q", base, num)
		}
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", base, err)
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: version %d, want %d (versions must be 1..n without gaps)", m.name, m.version, i+1)
		}
	}
	return ms, nil
}

// SchemaVersion is the newest schema version this binary knows.
func SchemaVersion() int {
	ms, err := loadMigrations(migrationFS)
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// Version returns the database's current schema version.
func (s *Store) Version(ctx context.Context) (int, error) {
	if err := s.check("version"); err != nil {
		return 0, err
	}
	v, err := currentVersion(ctx, s.r)
	if err != nil {
		return 0, fmt.Errorf("store: version: %w", err)
	}
	return v, nil
}

// queryer is what currentVersion needs of a *sql.DB or *sql.Tx.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func currentVersion(ctx context.Context, q queryer) (int, error) {
	var v sql.NullInt64
	if err := q.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return int(v.Int64), nil
}

// migrate brings the schema up to date, one transaction per migration. It is idempotent and safe
// against another process migrating the same file at the same time (BEGIN IMMEDIATE serialises them
// and each step re-reads the version inside its transaction).
func (s *Store) migrate(ctx context.Context) error {
	ms, err := loadMigrations(migrationFS)
	if err != nil {
		return err
	}
	return s.migrateTo(ctx, ms)
}

func (s *Store) migrateTo(ctx context.Context, ms []migration) error {
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    applied_at  TEXT NOT NULL
)`
	if _, err := s.w.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	known := 0
	if len(ms) > 0 {
		known = ms[len(ms)-1].version
	}
	cur, err := currentVersion(ctx, s.w)
	if err != nil {
		return err
	}
	if cur > known {
		return fmt.Errorf("database schema version %d, this binary knows up to %d: %w", cur, known, ErrSchemaTooNew)
	}
	for _, m := range ms {
		if m.version <= cur {
			continue
		}
		applied, err := s.apply(ctx, m)
		if err != nil {
			return err
		}
		if applied {
			s.log.Info("schema migrated", "version", m.version, "migration", m.name)
		}
	}
	return nil
}

// apply runs one migration in a transaction unless it is already recorded; it reports whether it ran.
func (s *Store) apply(ctx context.Context, m migration) (applied bool, err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("migration %s: begin: %w", m.name, err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	cur, err := currentVersion(ctx, tx)
	if err != nil {
		return false, fmt.Errorf("migration %s: %w", m.name, err)
	}
	if cur >= m.version {
		return false, tx.Commit()
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return false, fmt.Errorf("migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
		m.version, fmtTime(s.now())); err != nil {
		return false, fmt.Errorf("migration %s: record: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("migration %s: commit: %w", m.name, err)
	}
	return true, nil
}
