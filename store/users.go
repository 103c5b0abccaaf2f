package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Console roles.
const (
	RoleAdmin   = "admin"   // everything, including users
	RoleTrainer = "trainer" // knowledge, scene training, metrics
	RoleAgent   = "agent"   // live sessions, handoffs, service modes
)

// ValidRole reports whether r is a console role.
func ValidRole(r string) bool { return r == RoleAdmin || r == RoleTrainer || r == RoleAgent }

// MaxUserName is the longest login name.
const MaxUserName = 64

// User is a console account. The password hash is never part of it.
type User struct {
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Disabled  bool      `json:"disabled,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ValidUserName reports whether n is 1-MaxUserName of a-z, A-Z, 0-9, '.', '_', '-' and '@'.
func ValidUserName(n string) bool {
	if n == "" || len(n) > MaxUserName {
		return false
	}
	return strings.Trim(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@") == ""
}

// CreateUser adds a console account with an already hashed password. It
// returns ErrExists for a taken name and ErrInvalid for a bad name, role or
// empty hash.
func (s *Store) CreateUser(ctx context.Context, name, role, hash string) error {
	if err := s.check("create user"); err != nil {
		return err
	}
	if !ValidUserName(name) || !ValidRole(role) || hash == "" {
		return fmt.Errorf("store: create user %q (role %q): %w", name, role, ErrInvalid)
	}
	now := fmtTime(s.now())
	res, err := s.w.ExecContext(ctx, `INSERT INTO users (name, role, password_hash, created_at, updated_at)
VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`, name, role, hash, now, now)
	if err != nil {
		return fmt.Errorf("store: create user %s: %w", name, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: create user %s: %w", name, err)
	} else if n == 0 {
		return fmt.Errorf("store: create user %s: %w", name, ErrExists)
	}
	return nil
}

// User returns an account and its password hash, or ErrNotFound.
func (s *Store) User(ctx context.Context, name string) (User, string, error) {
	if err := s.check("user"); err != nil {
		return User{}, "", err
	}
	var (
		u                User
		hash             string
		created, updated string
	)
	err := s.r.QueryRowContext(ctx, `SELECT name, role, password_hash, disabled, created_at, updated_at
FROM users WHERE name = ?`, name).Scan(&u.Name, &u.Role, &hash, &u.Disabled, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, "", fmt.Errorf("store: user %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return User{}, "", fmt.Errorf("store: user %s: %w", name, err)
	}
	if u.CreatedAt, err = parseTime(created); err != nil {
		return User{}, "", fmt.Errorf("store: user %s: %w", name, err)
	}
	if u.UpdatedAt, err = parseTime(updated); err != nil {
		return User{}, "", fmt.Errorf("store: user %s: %w", name, err)
	}
	return u, hash, nil
}

// Users lists the accounts by name.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	if err := s.check("users"); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT name, role, disabled, created_at, updated_at FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: users: %w", err)
	}
	defer rows.Close()
	out := []User{}
	for rows.Next() {
		var (
			u                User
			created, updated string
		)
		if err := rows.Scan(&u.Name, &u.Role, &u.Disabled, &created, &updated); err != nil {
			return nil, fmt.Errorf("store: users: %w", err)
		}
		if u.CreatedAt, err = parseTime(created); err != nil {
			return nil, fmt.Errorf("store: users: %w", err)
		}
		if u.UpdatedAt, err = parseTime(updated); err != nil {
			return nil, fmt.Errorf("store: users: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: users: %w", err)
	}
	return out, nil
}

// SetPassword replaces a user's password hash and ends every login of the
// user. It returns ErrNotFound for an unknown user.
func (s *Store) SetPassword(ctx context.Context, name, hash string) error {
	if err := s.check("set password"); err != nil {
		return err
	}
	if hash == "" {
		return fmt.Errorf("store: set password %s: empty hash: %w", name, ErrInvalid)
	}
	return s.userTx(ctx, "set password", name, `UPDATE users SET password_hash = ?, updated_at = ? WHERE name = ?`,
		hash, fmtTime(s.now()), name)
}

// SetUserRole changes a user's role and ends every login of the user.
func (s *Store) SetUserRole(ctx context.Context, name, role string) error {
	if err := s.check("set user role"); err != nil {
		return err
	}
	if !ValidRole(role) {
		return fmt.Errorf("store: set user role %s: role %q: %w", name, role, ErrInvalid)
	}
	return s.userTx(ctx, "set user role", name, `UPDATE users SET role = ?, updated_at = ? WHERE name = ?`,
		role, fmtTime(s.now()), name)
}

// SetUserDisabled disables or enables an account; disabling ends its logins.
func (s *Store) SetUserDisabled(ctx context.Context, name string, disabled bool) error {
	if err := s.check("set user disabled"); err != nil {
		return err
	}
	return s.userTx(ctx, "set user disabled", name, `UPDATE users SET disabled = ?, updated_at = ? WHERE name = ?`,
		disabled, fmtTime(s.now()), name)
}

// DeleteUser removes an account and its logins. It returns ErrNotFound for an unknown user.
func (s *Store) DeleteUser(ctx context.Context, name string) error {
	if err := s.check("delete user"); err != nil {
		return err
	}
	return s.userTx(ctx, "delete user", name, `DELETE FROM users WHERE name = ?`, name)
}

// CountUsers returns how many accounts hold role ("" counts all), enabled ones only.
func (s *Store) CountUsers(ctx context.Context, role string) (int, error) {
	if err := s.check("count users"); err != nil {
		return 0, err
	}
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE disabled = 0 AND (? = '' OR role = ?)`,
		role, role).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count users: %w", err)
	}
	return n, nil
}

// userTx runs one statement on a user row and drops the user's logins in the
// same transaction; the statement must touch exactly one row.
func (s *Store) userTx(ctx context.Context, op, name, q string, args ...any) (err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %s %s: %w", op, name, err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("store: %s %s: %w", op, name, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: %s %s: %w", op, name, err)
	} else if n == 0 {
		return fmt.Errorf("store: %s %s: %w", op, name, ErrNotFound)
	}
	if _, err = tx.ExecContext(ctx, `DELETE FROM logins WHERE user_name = ?`, name); err != nil {
		return fmt.Errorf("store: %s %s: end logins: %w", op, name, err)
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("store: %s %s: %w", op, name, err)
	}
	return nil
}
