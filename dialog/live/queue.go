package live

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// AgentText is an agent's words waiting to be said into a session.
type AgentText struct {
	Agent string
	Text  string
	At    time.Time
}

// Queue is an AgentSink for doors that say an agent's words on their own
// goroutine: a voice session reads C and speaks each text by TTS (and stays
// silent otherwise while Held). It holds at most n texts; when full the
// oldest is dropped (Dropped counts them). SayAgent never blocks.
type Queue struct {
	mu      sync.Mutex // makes drop-oldest-then-send atomic among senders
	c       chan AgentText
	dropped atomic.Int64
}

var _ AgentSink = (*Queue)(nil)

// NewQueue returns a queue of up to n texts (8 when n < 1).
func NewQueue(n int) *Queue {
	if n < 1 {
		n = 8
	}
	return &Queue{c: make(chan AgentText, n)}
}

// SayAgent queues text.
func (q *Queue) SayAgent(ctx context.Context, agent, text string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t := AgentText{Agent: agent, Text: text, At: time.Now()}
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		select {
		case q.c <- t:
			return nil
		default:
		}
		select {
		case <-q.c:
			q.dropped.Add(1)
		default:
		}
	}
}

// C returns the texts to say, oldest first.
func (q *Queue) C() <-chan AgentText { return q.c }

// Dropped returns how many texts were dropped because the door was slow.
func (q *Queue) Dropped() int64 { return q.dropped.Load() }
