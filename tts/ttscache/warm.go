package ttscache

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/callbee/callbee/tts"
)

type warmJob struct {
	ctx   context.Context
	text  string
	v     tts.Voice
	reply chan<- error // nil except on a batch's last job
	errs  *[]error     // shared by the batch; only the warm goroutine touches it
}

// Warm queues texts to be synthesised with v by the cache's own goroutine,
// one at a time, skipping texts already cached, and returns at once. The
// returned channel receives the joined errors (nil when every text was
// cached) when the batch is done, then is closed. Cancelling ctx abandons
// the rest of the batch; Close abandons all batches. Warm fails at once with
// ErrQueueFull when the queue would grow past MaxWarmQueue.
func (c *Cache) Warm(ctx context.Context, v tts.Voice, texts []string) (<-chan error, error) {
	reply := make(chan error, 1)
	var jobs []warmJob
	errs := new([]error)
	for _, t := range texts {
		if strings.TrimSpace(t) != "" {
			jobs = append(jobs, warmJob{ctx: ctx, text: t, v: v, errs: errs})
		}
	}
	if len(jobs) == 0 {
		reply <- nil
		close(reply)
		return reply, nil
	}
	jobs[len(jobs)-1].reply = reply

	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, fmt.Errorf("ttscache: warm: %w", tts.ErrClosed)
	}
	if len(c.warmQueue)+len(jobs) > MaxWarmQueue {
		c.mu.Unlock()
		return nil, fmt.Errorf("ttscache: warm %d texts: %w", len(jobs), ErrQueueFull)
	}
	c.warmQueue = append(c.warmQueue, jobs...)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return reply, nil
}

// warmLoop is the cache's one goroutine: it warms queued texts until Close.
func (c *Cache) warmLoop() {
	defer close(c.done)
	for {
		c.mu.Lock()
		var j warmJob
		ok := len(c.warmQueue) > 0
		if ok {
			j = c.warmQueue[0]
			c.warmQueue[0] = warmJob{}
			c.warmQueue = c.warmQueue[1:]
		}
		c.mu.Unlock()
		if !ok {
			select {
			case <-c.ctx.Done():
				return
			case <-c.wake:
				continue
			}
		}
		if err := c.warmOne(j); err != nil {
			*j.errs = append(*j.errs, err)
		}
		if j.reply != nil {
			j.reply <- errors.Join(*j.errs...)
			close(j.reply)
		}
	}
}

// warmOne synthesises one text into the cache unless it is there already.
func (c *Cache) warmOne(j warmJob) error {
	if err := j.ctx.Err(); err != nil {
		return err
	}
	if err := c.ctx.Err(); err != nil {
		return tts.ErrClosed
	}
	if c.Contains(j.text, j.v) {
		return nil
	}
	ctx, cancel := context.WithCancel(j.ctx)
	defer cancel()
	stop := context.AfterFunc(c.ctx, cancel) // Close cancels the text in progress
	defer stop()
	s, err := c.Synthesize(ctx, j.text, j.v)
	if err != nil {
		return fmt.Errorf("ttscache: warm %q: %w", j.text, err)
	}
	defer s.Close()
	if _, _, err := tts.ReadAll(ctx, s); err != nil {
		return fmt.Errorf("ttscache: warm %q: %w", j.text, err)
	}
	return nil
}
