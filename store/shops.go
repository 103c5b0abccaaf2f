package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// PutShop stores (inserts or replaces) a shop file. yaml should already be validated by kb.
func (s *Store) PutShop(ctx context.Context, id, name string, yaml []byte) error {
	if err := s.check("put shop"); err != nil {
		return err
	}
	if id == "" {
		return fmt.Errorf("store: put shop: empty id: %w", ErrInvalid)
	}
	if yaml == nil {
		yaml = []byte{}
	}
	const q = `INSERT INTO shops (id, name, yaml, updated_at) VALUES (?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET name = excluded.name, yaml = excluded.yaml, updated_at = excluded.updated_at`
	if _, err := s.w.ExecContext(ctx, q, id, name, yaml, fmtTime(s.now())); err != nil {
		return fmt.Errorf("store: put shop %s: %w", id, err)
	}
	return nil
}

// Shop returns a stored shop with its file, or ErrNotFound.
func (s *Store) Shop(ctx context.Context, id string) (ShopRecord, error) {
	if err := s.check("shop"); err != nil {
		return ShopRecord{}, err
	}
	var (
		r  ShopRecord
		at string
	)
	err := s.r.QueryRowContext(ctx, "SELECT id, name, yaml, updated_at FROM shops WHERE id = ?", id).
		Scan(&r.ID, &r.Name, &r.YAML, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return ShopRecord{}, fmt.Errorf("store: shop %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return ShopRecord{}, fmt.Errorf("store: shop %s: %w", id, err)
	}
	if r.UpdatedAt, err = parseTime(at); err != nil {
		return ShopRecord{}, fmt.Errorf("store: shop %s: %w", id, err)
	}
	return r, nil
}

// Shops lists the stored shops by id, without their files.
func (s *Store) Shops(ctx context.Context) ([]ShopRecord, error) {
	if err := s.check("shops"); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, "SELECT id, name, updated_at FROM shops ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("store: shops: %w", err)
	}
	defer rows.Close()
	var out []ShopRecord
	for rows.Next() {
		var (
			r  ShopRecord
			at string
		)
		if err := rows.Scan(&r.ID, &r.Name, &at); err != nil {
			return nil, fmt.Errorf("store: shops: %w", err)
		}
		if r.UpdatedAt, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("store: shops: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: shops: %w", err)
	}
	return out, nil
}
