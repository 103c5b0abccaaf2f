package store

import (
	"context"
	"fmt"
)

// maxBatch bounds how many turns one group commit carries.
const maxBatch = 64

// commitReq is a CommitTurn waiting for the writer.
type commitReq struct {
	ctx  context.Context
	w    TurnWrite
	done chan commitResult // buffered (1): the writer never blocks on a caller
}

type commitResult struct {
	ids TurnIDs
	err error
}

// runWriter owns the writer connection for CommitTurn. It takes the first waiting request, then every
// request already queued behind it (up to maxBatch), and commits them together. It stops when the
// store closes; requests it has taken are always answered first.
func (s *Store) runWriter() {
	defer close(s.writerDone)
	batch := make([]*commitReq, 0, maxBatch)
	for {
		select {
		case <-s.closed:
			return
		case req := <-s.commits:
			batch = append(batch[:0], req)
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case req := <-s.commits:
				batch = append(batch, req)
			default:
				break fill
			}
		}
		s.commitBatch(batch)
		clear(batch) // drop references to finished requests
	}
}

// commitBatch writes a batch in one transaction and answers every request. Statements run with a
// context that is not cancelled: interrupting a write inside an explicit transaction makes SQLite roll
// back the whole transaction, taking the other turns in the batch with it. A request whose context
// is already done when its turn comes is skipped.
func (s *Store) commitBatch(batch []*commitReq) {
	ctx := context.Background()
	results := make([]commitResult, len(batch))
	answer := func() {
		for i, req := range batch {
			req.done <- results[i]
		}
	}
	failAll := func(err error) {
		for i := range results {
			if results[i].err == nil {
				results[i] = commitResult{err: err}
			}
		}
		answer()
	}

	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		failAll(fmt.Errorf("begin: %w", err))
		return
	}
	single := len(batch) == 1
	wrote := false
	for i, req := range batch {
		if err := req.ctx.Err(); err != nil {
			results[i].err = err
			continue
		}
		if single {
			ids, err := s.commitOne(ctx, tx, req.w)
			if err != nil {
				_ = tx.Rollback()
				results[i].err = err
				answer()
				return
			}
			results[i].ids, wrote = ids, true
			continue
		}
		if _, err := tx.ExecContext(ctx, "SAVEPOINT turn"); err != nil {
			_ = tx.Rollback()
			failAll(fmt.Errorf("savepoint: %w", err))
			return
		}
		ids, err := s.commitOne(ctx, tx, req.w)
		if err != nil {
			results[i].err = err
			// If SQLite already rolled the whole transaction back (I/O error, disk full), the savepoint
			// is gone and so are the earlier turns of the batch: fail them all.
			if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO turn"); rerr != nil {
				_ = tx.Rollback()
				failAll(fmt.Errorf("batch rolled back after %w: %w", err, rerr))
				return
			}
		} else {
			results[i].ids, wrote = ids, true
		}
		if _, err := tx.ExecContext(ctx, "RELEASE turn"); err != nil {
			_ = tx.Rollback()
			failAll(fmt.Errorf("release savepoint: %w", err))
			return
		}
	}
	if !wrote {
		_ = tx.Rollback()
		answer()
		return
	}
	if err := tx.Commit(); err != nil {
		err = fmt.Errorf("commit: %w", err)
		for i := range results {
			if results[i].err == nil {
				results[i] = commitResult{err: err}
			}
		}
		answer()
		return
	}
	if len(batch) > 1 {
		s.log.Debug("group commit", "turns", len(batch))
	}
	answer()
}
