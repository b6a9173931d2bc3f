package bot

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/massperform/massperform/review"
)

// Budget keeps the workspace's Slack budget: one instant per Web API
// method, the theoretical arrival time of its next call (a generic cell
// rate algorithm). The database keeps it for every process that uses it
// (storage.Store), so that replicas, and the command line, spend one
// budget between them, as Slack counts it.
type Budget interface {
	// UpdateSlackBudget reads method's instant (zero when it has none
	// yet) and, when change says so, stores the one change returns, with
	// no other process reading or changing it in between. change may be
	// called more than once.
	UpdateSlackBudget(ctx context.Context, method string, change func(tat time.Time) (time.Time, bool)) error
}

// pace is one decision of the generic cell rate algorithm: a call at now,
// against a method whose theoretical arrival time is tat, with calls
// every apart and up to burst at once after a quiet spell. It returns 0
// and the new arrival time when the call may go now, or how long until
// it may.
func pace(tat, now time.Time, every time.Duration, burst int) (time.Duration, time.Time) {
	tat = later(tat, now)
	if allowed := tat.Add(-time.Duration(burst-1) * every); now.Before(allowed) {
		return allowed.Sub(now), time.Time{}
	}
	return 0, tat.Add(every)
}

// hold is the arrival time after Slack answered 429 with a Retry-After
// ending at until: no call before until, then one at a time, with no
// burst saved up meanwhile, so that a storm is probed by one call, not
// by every process at once.
func hold(tat, until time.Time, every time.Duration, burst int) time.Time {
	return later(tat, until.Add(time.Duration(burst-1)*every))
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// memoryBudget is a Budget for one process alone: the fallback when the
// database cannot be asked.
type memoryBudget struct {
	mu  sync.Mutex
	tat map[string]time.Time
}

func (m *memoryBudget) UpdateSlackBudget(_ context.Context, method string, change func(time.Time) (time.Time, bool)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if next, ok := change(m.tat[method]); ok {
		m.tat[method] = next
	}
	return nil
}

// budgetPatience bounds one question to the budget's database. Past it,
// or when the database fails, the process paces itself alone.
const budgetPatience = 2 * time.Second

// Pacer paces Slack calls by a Budget. It sits in the Web API client's
// HTTP transport, so that every attempt is paced, slack-go's own retries
// included, and it sees a 429 the moment Slack answers one: the
// Retry-After then holds back that method in every process sharing the
// budget, not only in the one that was told.
type Pacer struct {
	budget Budget
	local  *memoryBudget
	clock  review.Clock // the real one: Slack's limits run on real time
	log    *slog.Logger
	// limits are the methods paced here, with their pace.
	limits map[string]limit

	mu       sync.Mutex
	lastWarn time.Time
	// held is, for the methods not paced (views.open, views.push), until
	// when Slack's last Retry-After holds them back in this process.
	held map[string]time.Time
}

// limit is a method's pace: a call every so often, and a burst.
type limit struct {
	every time.Duration
	burst int
}

// NewPacer returns a pacer of every method in Methods but those whose
// calls carry a trigger_id (views.open and views.push: it lives 3 s, so
// they are not paced at all, see API.OpenViewContext) and
// apps.connections.open (Socket Mode's own). budget nil paces this
// process alone.
func NewPacer(budget Budget, clock review.Clock, log *slog.Logger) *Pacer {
	p := &Pacer{budget: budget, local: &memoryBudget{tat: map[string]time.Time{}}, clock: clock, log: log, limits: map[string]limit{}, held: map[string]time.Time{}}
	if p.budget == nil {
		p.budget = p.local
	}
	for name, m := range Methods {
		if !sharedBudget(name) {
			continue
		}
		l := tierLimits[m.Tier]
		p.limits[name] = limit{every: l.every, burst: l.burst}
	}
	return p
}

// sharedBudget reports whether a method's calls are paced by the
// workspace's budget.
func sharedBudget(method string) bool {
	return !triggerBound(method) && method != "apps.connections.open"
}

// paces reports whether p paces method.
func (p *Pacer) paces(method string) bool {
	_, ok := p.limits[method]
	return ok
}

// Ready waits until method's budget would let a call go, without taking
// it: a caller about to start something it must then finish (a
// notification's send) waits here first, where it may still give up.
func (p *Pacer) Ready(ctx context.Context, method string) error {
	return p.wait(ctx, method, false)
}

// Take waits until method's budget lets a call go, and takes it.
func (p *Pacer) Take(ctx context.Context, method string) error {
	return p.wait(ctx, method, true)
}

func (p *Pacer) wait(ctx context.Context, method string, take bool) error {
	l, ok := p.limits[method]
	if !ok {
		return nil
	}
	for {
		var wait time.Duration
		err := p.update(ctx, method, func(tat time.Time) (time.Time, bool) {
			var next time.Time
			wait, next = pace(tat, p.clock.Now(), l.every, l.burst)
			return next, take && wait == 0
		})
		if err != nil {
			return err
		}
		if wait == 0 {
			return nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Hold keeps method back in every process until until, as Slack's
// Retry-After says.
func (p *Pacer) Hold(method string, until time.Time) {
	l, ok := p.limits[method]
	if !ok {
		return
	}
	// The call that was answered may be abandoned by now; the hold is
	// for everyone else.
	ctx, cancel := context.WithTimeout(context.Background(), budgetPatience)
	defer cancel()
	_ = p.update(ctx, method, func(tat time.Time) (time.Time, bool) { return hold(tat, until, l.every, l.burst), true })
	if p.budget != Budget(p.local) {
		// The process's own budget learns it too, should the database
		// fail next.
		_ = p.local.UpdateSlackBudget(ctx, method, func(tat time.Time) (time.Time, bool) { return hold(tat, until, l.every, l.burst), true })
	}
}

// update asks the budget, or, when it cannot be asked, the process's own.
func (p *Pacer) update(ctx context.Context, method string, change func(time.Time) (time.Time, bool)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	bctx, cancel := context.WithTimeout(ctx, budgetPatience)
	err := p.budget.UpdateSlackBudget(bctx, method, change)
	cancel()
	if err == nil || ctx.Err() != nil {
		return err
	}
	p.warn("the shared Slack budget cannot be read; pacing this process alone", err)
	return p.local.UpdateSlackBudget(ctx, method, change)
}

// warn logs a budget failure at most once a minute.
func (p *Pacer) warn(msg string, err error) {
	p.mu.Lock()
	now := p.clock.Now()
	quiet := now.Sub(p.lastWarn) < time.Minute
	if !quiet {
		p.lastWarn = now
	}
	p.mu.Unlock()
	if !quiet {
		p.log.Warn(msg, "err", err)
	}
}

// Transport paces the Web API calls made through next (nil:
// http.DefaultTransport), each attempt, and holds a method back in every
// process when Slack answers one of its calls with 429.
func (p *Pacer) Transport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		method := apiMethod(r.URL.Path)
		if triggerBound(method) {
			return p.unpaced(next, r, method)
		}
		if !p.paces(method) {
			return next.RoundTrip(r)
		}
		if err := p.Take(r.Context(), method); err != nil {
			if r.Body != nil {
				r.Body.Close()
			}
			return nil, fmt.Errorf("%w: waiting for Slack's budget for %s: %w", ErrNotSent, method, err)
		}
		resp, err := next.RoundTrip(r)
		if err == nil && resp.StatusCode == http.StatusTooManyRequests {
			p.Hold(method, p.clock.Now().Add(retryAfter(resp)))
		}
		return resp, err
	})
}

// unpaced sends a call that waits for no budget (its trigger_id lives 3
// seconds), unless Slack's last Retry-After for its method has not run
// out: then Slack is not asked, which would break its rules, and the call
// is answered as Slack would, 429 with what is left of the wait, for the
// caller to retry while its trigger lives or to say when to try again.
func (p *Pacer) unpaced(next http.RoundTripper, r *http.Request, method string) (*http.Response, error) {
	now := p.clock.Now()
	p.mu.Lock()
	until := p.held[method]
	p.mu.Unlock()
	if wait := until.Sub(now); wait > 0 {
		if r.Body != nil {
			r.Body.Close()
		}
		return &http.Response{
			StatusCode: http.StatusTooManyRequests, Status: "429 Too Many Requests", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header:  http.Header{"Retry-After": {strconv.Itoa(int(math.Ceil(wait.Seconds())))}, "Content-Type": {"application/json"}},
			Body:    io.NopCloser(strings.NewReader(`{"ok":false,"error":"ratelimited"}`)),
			Request: r,
		}, nil
	}
	resp, err := next.RoundTrip(r)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		p.mu.Lock()
		p.held[method] = later(p.held[method], p.clock.Now().Add(retryAfter(resp)))
		p.mu.Unlock()
	}
	return resp, err
}

// retryAfter reads a 429's Retry-After (whole seconds); slack-go waits a
// minute when there is none, and so do we.
func retryAfter(resp *http.Response) time.Duration {
	secs, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After")))
	if err != nil {
		return time.Minute
	}
	return max(time.Duration(secs)*time.Second, time.Second)
}

// apiMethod is the Web API method a request calls ("" for other URLs,
// such as a file's upload URL).
func apiMethod(path string) string {
	if i := strings.LastIndex(path, "/api/"); i >= 0 {
		return path[i+len("/api/"):]
	}
	return ""
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
