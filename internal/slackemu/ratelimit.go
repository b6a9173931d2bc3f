package slackemu

import (
	"maps"
	"time"
)

// Slack's rate-limit tiers, in calls per minute.
const (
	Tier1 = 1
	Tier2 = 20
	Tier3 = 50
	Tier4 = 100
)

const (
	// chatPerMinute is the workspace-wide limit of the chat.* posting
	// methods ("special" tier).
	chatPerMinute = 600
	// channelBurst messages may be posted to one channel within any
	// trailing channelWindow.
	channelBurst  = 5
	channelWindow = 5 * time.Second
	methodWindow  = time.Minute
)

// DefaultRateLimits returns Slack's limits, in calls per minute, for the
// methods our bot uses. apps.connections.open is Tier 1 at Slack but is
// allowed 60 per minute here so that reconnect tests can run. The chat.*
// posting methods are also limited per channel (at most 5 within any
// trailing 5 seconds, shared by chat.postMessage, chat.postEphemeral and
// chat.update).
func DefaultRateLimits() map[string]int {
	return map[string]int{
		"apps.connections.open":        60,
		"users.list":                   Tier2,
		"dnd.teamInfo":                 Tier2, // Slack documents dnd.teamInfo as Tier 2
		"users.lookupByEmail":          Tier3,
		"bots.info":                    Tier3,
		"conversations.open":           Tier3,
		"conversations.history":        Tier3,
		"conversations.info":           Tier3,
		"dnd.info":                     Tier3,
		"files.completeUploadExternal": Tier3,
		"users.info":                   Tier4,
		"views.open":                   Tier4,
		"views.update":                 Tier4,
		"views.push":                   Tier4,
		"views.publish":                Tier4,
		"auth.test":                    Tier4,
		"files.getUploadURLExternal":   Tier4,
		"chat.postMessage":             chatPerMinute,
		"chat.postEphemeral":           chatPerMinute,
		"chat.update":                  chatPerMinute,
		"chat.delete":                  Tier3,
	}
}

// perChannelLimited reports whether a method is subject to the per-channel
// burst limit.
func perChannelLimited(method string) bool {
	switch method {
	case "chat.postMessage", "chat.postEphemeral", "chat.update":
		return true
	}
	return false
}

// rateLimiter keeps trailing windows of accepted calls. It is guarded by
// Server.mu.
type rateLimiter struct {
	limits    map[string]int
	byMethod  map[string][]time.Time
	byChannel map[string][]time.Time
	// peak is, per method, the most calls accepted within any trailing
	// window.
	peak map[string]int
}

func newRateLimiter(limits map[string]int) *rateLimiter {
	return &rateLimiter{
		limits:    maps.Clone(limits),
		byMethod:  map[string][]time.Time{},
		byChannel: map[string][]time.Time{},
		peak:      map[string]int{},
	}
}

// allow decides whether a call to method (posting to channel, if any) at
// now is within the limits. If it is, the call is counted. If not,
// retryAfter is the number of seconds until the oldest call in the full
// window ages out (at least 1), and why names the limit.
func (l *rateLimiter) allow(method, channel string, now time.Time) (ok bool, retryAfter int, why string) {
	limit, limited := l.limits[method]
	var mw []time.Time
	if limited {
		mw = prune(l.byMethod[method], now.Add(-methodWindow))
		l.byMethod[method] = mw
		if len(mw) >= limit {
			return false, secondsUntil(mw[len(mw)-limit].Add(methodWindow), now), "per-method limit"
		}
	}
	var cw []time.Time
	if channel != "" && perChannelLimited(method) {
		cw = prune(l.byChannel[channel], now.Add(-channelWindow))
		l.byChannel[channel] = cw
		if len(cw) >= channelBurst {
			return false, secondsUntil(cw[len(cw)-channelBurst].Add(channelWindow), now), "per-channel limit"
		}
	}
	if limited {
		l.byMethod[method] = append(mw, now)
		l.peak[method] = max(l.peak[method], len(mw)+1)
	}
	if channel != "" && perChannelLimited(method) {
		l.byChannel[channel] = append(cw, now)
	}
	return true, 0, ""
}

// PeakRates returns, for each rate-limited method called so far, the most
// calls Slack accepted within any trailing minute: what to hold against
// the method's limit (Config().RateLimits). Calls refused with a 429,
// injected or not, are not counted, as Slack does not count them.
func (s *Server) PeakRates() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.limiter.peak)
}

// prune drops the times before cutoff (times are in ascending order).
func prune(ts []time.Time, cutoff time.Time) []time.Time {
	i := 0
	for i < len(ts) && ts[i].Before(cutoff) {
		i++
	}
	if i == 0 {
		return ts
	}
	return append(ts[:0], ts[i:]...)
}

// secondsUntil rounds t-now up to whole seconds, at least 1.
func secondsUntil(t, now time.Time) int {
	d := t.Sub(now)
	secs := int((d + time.Second - 1) / time.Second)
	return max(secs, 1)
}

// fault is an injected failure for one method.
type fault struct {
	status     int // HTTP status
	retryAfter int // for 429
}

// FailNext makes the next n calls to method fail with HTTP status (e.g.
// 500, 502, 503) and an HTML body, as Slack's load balancers do. Injected
// failures are not violations.
func (s *Server) FailNext(method string, status, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[method] = append(s.faults[method], fault{status: status})
	}
}

// RateLimitNext makes the next n calls to method get HTTP 429 with
// Retry-After: retryAfter. Injected 429s are not violations.
func (s *Server) RateLimitNext(method string, retryAfter, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[method] = append(s.faults[method], fault{status: 429, retryAfter: retryAfter})
	}
}

// takeFaultLocked pops the next injected fault for method, if any.
func (s *Server) takeFaultLocked(method string) (fault, bool) {
	q := s.faults[method]
	if len(q) == 0 {
		return fault{}, false
	}
	f := q[0]
	if len(q) == 1 {
		delete(s.faults, method)
	} else {
		s.faults[method] = q[1:]
	}
	return f, true
}

// SlowNext makes the next n calls to method wait d before they are
// served, as a slow Slack does. The call still takes effect after the
// wait, even if the client has stopped waiting.
func (s *Server) SlowNext(method string, d time.Duration, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.slow[method] = append(s.slow[method], d)
	}
}

// HoldReplyNext makes the next n calls to method take effect at once but
// hold their answer for d (or until the client goes away): a post that
// Slack made while its caller never heard so. Queued after SlowNext-style
// entries of its own, so HoldReplyNext(m, 0, 5) then HoldReplyNext(m, d, 1)
// holds the sixth.
func (s *Server) HoldReplyNext(method string, d time.Duration, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.hold[method] = append(s.hold[method], d)
	}
}

// takeSlowLocked pops the next injected wait for method, if any.
func (s *Server) takeSlowLocked(method string) time.Duration { return pop(s.slow, method) }

func pop(m map[string][]time.Duration, method string) time.Duration {
	q := m[method]
	if len(q) == 0 {
		return 0
	}
	if len(q) == 1 {
		delete(m, method)
	} else {
		m[method] = q[1:]
	}
	return q[0]
}
