package bot

import (
	"context"
	"sync"
	"time"
)

// recent remembers the envelope and event ids this process has handled
// lately, so that a redelivery is acked and dropped.
type recent struct {
	mu  sync.Mutex
	ids map[string]time.Time
}

// recentFor is how long this process remembers an id: Slack's retries of
// an event come within minutes. The database remembers events for good
// (Claim).
const recentFor = time.Hour

// first reports whether id is new, and remembers it.
func (r *recent) first(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	if r.ids == nil {
		r.ids = map[string]time.Time{}
	}
	if at, ok := r.ids[id]; ok && now.Sub(at) < recentFor {
		return false
	}
	if len(r.ids) >= 20000 {
		for k, at := range r.ids {
			if now.Sub(at) >= recentFor {
				delete(r.ids, k)
			}
		}
	}
	r.ids[id] = now
	return true
}

// Claim records that a key was handled, across every process sharing the
// database, and reports whether this call was the first.
type Claim func(ctx context.Context, key string) (first bool, err error)

// Dedupe makes the bot drop Events API events whose id it has handled
// before, in this process or (through claim) any other: Slack redelivers
// an event it thinks was not acked, with retry_attempt above 0, and may
// give the retry to another connection. Call it before Run.
func (b *Bot) Dedupe(claim Claim) { b.claim = claim }
