package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Login is a console login session, found by the hash of its cookie token.
type Login struct {
	User      string    `json:"user"`
	Role      string    `json:"role"`
	CSRF      string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// CreateLogin records a login session of user until expires. tokenHash is
// the hash of the cookie token (the token itself is never stored); csrf is
// the session's CSRF token.
func (s *Store) CreateLogin(ctx context.Context, tokenHash, user, csrf string, expires time.Time) error {
	if err := s.check("create login"); err != nil {
		return err
	}
	if tokenHash == "" || csrf == "" || user == "" {
		return fmt.Errorf("store: create login: %w", ErrInvalid)
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO logins (token_hash, user_name, csrf, created_at, expires_at)
VALUES (?, ?, ?, ?, ?)`, tokenHash, user, csrf, fmtTime(s.now()), fmtTime(expires))
	if err != nil {
		return fmt.Errorf("store: create login for %s: %w", user, err)
	}
	return nil
}

// Login returns the login session with tokenHash and its user's current
// role. A missing or expired session, or one of a disabled user, is ErrNotFound.
func (s *Store) Login(ctx context.Context, tokenHash string) (Login, error) {
	if err := s.check("login"); err != nil {
		return Login{}, err
	}
	var (
		l                Login
		created, expires string
	)
	err := s.r.QueryRowContext(ctx, `SELECT l.user_name, u.role, l.csrf, l.created_at, l.expires_at
FROM logins l JOIN users u ON u.name = l.user_name
WHERE l.token_hash = ? AND l.expires_at > ? AND u.disabled = 0`, tokenHash, fmtTime(s.now())).
		Scan(&l.User, &l.Role, &l.CSRF, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return Login{}, fmt.Errorf("store: login: %w", ErrNotFound)
	}
	if err != nil {
		return Login{}, fmt.Errorf("store: login: %w", err)
	}
	if l.CreatedAt, err = parseTime(created); err != nil {
		return Login{}, fmt.Errorf("store: login: %w", err)
	}
	if l.ExpiresAt, err = parseTime(expires); err != nil {
		return Login{}, fmt.Errorf("store: login: %w", err)
	}
	return l, nil
}

// DeleteLogin ends one login session (logout). Ending an unknown one is not an error.
func (s *Store) DeleteLogin(ctx context.Context, tokenHash string) error {
	if err := s.check("delete login"); err != nil {
		return err
	}
	if _, err := s.w.ExecContext(ctx, `DELETE FROM logins WHERE token_hash = ?`, tokenHash); err != nil {
		return fmt.Errorf("store: delete login: %w", err)
	}
	return nil
}

// PruneLogins deletes expired login sessions and returns how many.
func (s *Store) PruneLogins(ctx context.Context) (int64, error) {
	if err := s.check("prune logins"); err != nil {
		return 0, err
	}
	res, err := s.w.ExecContext(ctx, `DELETE FROM logins WHERE expires_at <= ?`, fmtTime(s.now()))
	if err != nil {
		return 0, fmt.Errorf("store: prune logins: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: prune logins: %w", err)
	}
	return n, nil
}
