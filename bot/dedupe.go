package bot

import (
	"context"
	"sync"
	"time"
)

// recent remembers the envelope and event ids this process has handled
// lately, so that a redelivery is acked and dropped; for an envelope, with
// how it was acked.
type recent struct {
	mu  sync.Mutex
	ids map[string]seenID
	ttl time.Duration // how long an id is kept; 0 for recentFor
}

type seenID struct {
	at  time.Time
	ack *ackState // for envelopes
}

// recentFor is how long this process remembers an id: Slack's retries of
// an event come within minutes. The database remembers events (Claim) for
// RETENTION_REQUEST_DAYS, 30 days by default.
const recentFor = time.Hour

// first reports whether id is new, and remembers it.
func (r *recent) first(id string) bool {
	_, first := r.firstWith(id, nil)
	return first
}

// firstWith is first for an envelope's id, remembering its ack state st;
// when the id was seen before, it returns the state remembered with it.
func (r *recent) firstWith(id string, st *ackState) (prev *ackState, first bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	if r.ids == nil {
		r.ids = map[string]seenID{}
	}
	ttl := r.ttl
	if ttl == 0 {
		ttl = recentFor
	}
	if seen, ok := r.ids[id]; ok && now.Sub(seen.at) < ttl {
		return seen.ack, false
	}
	if len(r.ids) >= 20000 {
		for k, seen := range r.ids {
			if now.Sub(seen.at) >= ttl {
				delete(r.ids, k)
			}
		}
	}
	r.ids[id] = seenID{at: now, ack: st}
	return nil, true
}

// Claim records that a key was handled, across every process sharing the
// database, and reports whether this call was the first.
type Claim func(ctx context.Context, key string) (first bool, err error)

// Dedupe makes the bot drop Events API events whose id it has handled
// before, in this process or (through claim) any other: Slack redelivers
// an event it thinks was not acked, with retry_attempt above 0, and may
// give the retry to another connection. Call it before Run.
func (b *Bot) Dedupe(claim Claim) { b.claim = claim }
