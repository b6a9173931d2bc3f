package app

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/massperform/massperform/bot"
)

// hrChannel keeps track of whether HR_CHANNEL may have HR's digest, which
// names the people who answered No about their manager: it must be
// private, with the app in it, and the organisation's own. The digest job
// asks it before queueing, the outbox sender before posting anything in a
// channel, and /readyz says what it last found wrong.
type hrChannel struct {
	id  string                                          // HR_CHANNEL; "" when unset
	ask func(ctx context.Context, channel string) error // bot.API.ConfidentialChannel
	now func() time.Time                                // real time: how long a yes is trusted
	log *slog.Logger

	mu      sync.Mutex
	known   bool      // a verdict about HR_CHANNEL has been had
	okUntil time.Time // a yes about HR_CHANNEL holds until then
	problem string    // what is wrong with it; "" when nothing is known to be
}

// hrChannelTrust is how long a yes is taken to hold, so that a digest and
// its file, or a rehearsal's weeks of digests, do not each ask Slack again.
const hrChannelTrust = time.Minute

// hrChannelRecheck is how often serve asks about HR_CHANNEL, so that the
// logs and /readyz follow what HR puts right (or wrong) in Slack.
const hrChannelRecheck = 10 * time.Minute

// hrChannelUnset is what /readyz and the log say when HR_CHANNEL is empty.
const hrChannelUnset = "HR_CHANNEL is not set, so the digest has nowhere to go: make a private channel for HR, type /invite @MassPerform in it, and put its ID (C…, at the bottom of its details) in HR_CHANNEL"

func newHRChannel(id string, ask func(context.Context, string) error, log *slog.Logger) *hrChannel {
	h := &hrChannel{id: id, ask: ask, now: time.Now, log: log}
	if id == "" {
		h.known, h.problem = true, hrChannelUnset
	}
	return h
}

// Check says whether channel may have the digest: nil, a
// *bot.ChannelProblem, or another error when Slack could not be asked. A
// yes about HR_CHANNEL is trusted for hrChannelTrust; a verdict about it
// is remembered for /readyz, and logged when it changes.
func (h *hrChannel) Check(ctx context.Context, channel string) error {
	if channel == h.id {
		h.mu.Lock()
		fresh := h.now().Before(h.okUntil)
		h.mu.Unlock()
		if fresh {
			return nil
		}
	}
	err := h.ask(ctx, channel)
	if channel == h.id {
		h.record(err)
	}
	return err
}

// record remembers a verdict about HR_CHANNEL.
func (h *hrChannel) record(err error) {
	problem := ""
	if p, ok := errors.AsType[*bot.ChannelProblem](err); ok {
		problem = "HR_CHANNEL " + p.Error()
	} else if err != nil {
		return // Slack was not asked: nothing learnt
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if problem == "" {
		h.okUntil = h.now().Add(hrChannelTrust)
	} else {
		h.okUntil = time.Time{}
	}
	if h.known && problem == h.problem {
		return
	}
	h.known, h.problem = true, problem
	if problem != "" {
		h.log.Error("HR's digest will not go out: " + problem)
	} else {
		h.log.Info("HR_CHANNEL is private and the app is in it: the digest can go out", "channel", h.id)
	}
}

// Problem is what was last found wrong with HR_CHANNEL: "" when nothing is
// known to be.
func (h *hrChannel) Problem() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.problem
}

// Watch asks about HR_CHANNEL now and then every interval until ctx ends.
func (h *hrChannel) Watch(ctx context.Context, every time.Duration) {
	if h.id == "" {
		h.log.Warn(hrChannelUnset)
		return
	}
	for {
		err := h.ask(ctx, h.id) // not trusting an earlier yes: this is the check that follows HR's changes
		h.record(err)
		if _, verdict := errors.AsType[*bot.ChannelProblem](err); err != nil && !verdict && ctx.Err() == nil {
			h.log.Warn("could not check HR_CHANNEL with Slack; trying again later", "channel", h.id, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}
