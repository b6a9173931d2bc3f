package bot

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// TestPace is the generic cell rate algorithm's decisions: a burst after
// a quiet spell, then one call every interval; a Retry-After holds
// everything back and saves up no burst.
func TestPace(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	every := 200 * time.Millisecond
	var tat time.Time // a method never called
	for i := range 3 {
		wait, next := pace(tat, t0, every, 3)
		if wait != 0 {
			t.Fatalf("call %d of a burst of 3 waits %v", i, wait)
		}
		tat = next
	}
	if wait, _ := pace(tat, t0, every, 3); wait != every {
		t.Errorf("the 4th call at once waits %v, want %v", wait, every)
	}
	if wait, _ := pace(tat, t0.Add(every), every, 3); wait != 0 {
		t.Errorf("the 4th call an interval later waits %v", wait)
	}
	// Quiet for a minute: the burst is back, no more.
	quiet := t0.Add(time.Minute)
	tat = time.Time{}
	for range 3 {
		_, tat = pace(tat, quiet, every, 3)
	}
	if wait, _ := pace(tat, quiet, every, 3); wait != every {
		t.Errorf("after a quiet minute, the call past the burst waits %v", wait)
	}

	// Slack says 429, Retry-After 2 s: nothing before it ends, then one
	// call at a time, however long the hold let a burst save up.
	until := quiet.Add(2 * time.Second)
	tat = hold(tat, until, every, 3)
	if wait, _ := pace(tat, quiet.Add(time.Second), every, 3); wait != time.Second {
		t.Errorf("a call during the hold waits %v, want the 1 s left", wait)
	}
	wait, next := pace(tat, until, every, 3)
	if wait != 0 {
		t.Fatalf("the call at the hold's end waits %v", wait)
	}
	if wait, _ := pace(next, until, every, 3); wait != every {
		t.Errorf("a second call at the hold's end waits %v, want %v: no burst after a 429", wait, every)
	}
	// A hold that has already passed changes nothing.
	if got := hold(next, until.Add(-time.Minute), every, 3); !got.Equal(next) {
		t.Errorf("an old hold moved the budget to %v", got)
	}
}

// retryAlways asks for every retry after wait.
type retryAlways struct{ wait time.Duration }

func (r retryAlways) ShouldRetry(*slack.RetryState, *http.Request, *http.Response, error) (bool, time.Duration) {
	return true, r.wait
}

// TestWithinDeadline: a retry whose wait would end after the call's
// deadline is not made; others are, as slack-go decides.
func TestWithinDeadline(t *testing.T) {
	h := WithinDeadline([]slack.RetryHandler{retryAlways{2 * time.Second}})[0]
	req := func(ctx context.Context) *http.Request {
		r, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://slack/api/views.open", nil)
		return r
	}
	short, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	long, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	for name, tt := range map[string]struct {
		ctx   context.Context
		retry bool
	}{
		"a trigger about to die": {short, false},
		"time enough":            {long, true},
		"no deadline":            {context.Background(), true},
	} {
		if retry, _ := h.ShouldRetry(&slack.RetryState{}, req(tt.ctx), nil, nil); retry != tt.retry {
			t.Errorf("%s: retry = %v, want %v", name, retry, tt.retry)
		}
	}
}

// TestTier2KeepsWithinSlacksMinute paces 200 calls to a Tier 2 method
// (users.list: a roster import's pages) as fast as the budget lets them
// go, each sent a little after its turn as a busy process does, and
// counts them as Slack does, per trailing minute: never more than 20,
// with 2 s to spare for the way there; and no slower than 19 a minute.
func TestTier2KeepsWithinSlacksMinute(t *testing.T) {
	const slackPerMinute = 20 // Tier 2
	l := NewPacer(nil, nil, nil).limits["users.list"]
	if l.burst != 1 {
		t.Errorf("Tier 2 burst = %d: with a call every %v, a burst of b lets b + %d calls into a minute", l.burst, l.every, time.Minute/l.every)
	}
	now := time.Unix(1700000000, 0)
	var tat time.Time
	var at []time.Time
	for i := range 200 {
		wait, next := pace(tat, now, l.every, l.burst)
		if wait > 0 {
			// The timer wakes the caller at its turn, or a little later.
			now = now.Add(wait + time.Duration(i%3)*time.Millisecond)
			wait, next = pace(tat, now, l.every, l.burst)
		}
		if wait != 0 {
			t.Fatalf("call %d may not go at its turn: waits %v more", i, wait)
		}
		tat = next
		at = append(at, now)
	}
	for i := 0; i+slackPerMinute < len(at); i++ {
		if gap := at[i+slackPerMinute].Sub(at[i]); gap < time.Minute+2*time.Second {
			t.Fatalf("calls %d and %d are %v apart: a trailing minute may hold %d calls when one is counted 2 s late", i, i+slackPerMinute, gap, slackPerMinute+1)
		}
	}
	if span, floor := at[len(at)-1].Sub(at[0]), time.Duration(len(at)-1)*time.Minute/19; span > floor {
		t.Errorf("200 calls took %v, slower than 19 a minute (%v)", span, floor)
	}
}
