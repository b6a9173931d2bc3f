package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
)

// Outbox is the storage the sender works on. Every change after the claim
// shows the claim, and fails with storage.ErrClaimLost when another
// sender has claimed the notification since.
type Outbox interface {
	ClaimOutbox(ctx context.Context, limit int, lease time.Duration) ([]storage.OutboxItem, error)
	StartSend(ctx context.Context, c storage.Claim, lease time.Duration) error
	MarkSent(ctx context.Context, c storage.Claim, channel, ts string) error
	MarkRetry(ctx context.Context, c storage.Claim, reason string, next time.Time, uncertain bool) error
	Release(ctx context.Context, c storage.Claim, reason string, next time.Time) error
	MarkFailed(ctx context.Context, c storage.Claim, reason string) error
	NextOutboxDue(ctx context.Context) (time.Time, error)
}

// Poster posts a message to a user (by user ID, which opens the DM) or a
// channel.
type Poster interface {
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
}

// Finder is a Poster that can also tell whether a notification went out:
// whether a message with its key in the metadata was posted to the
// recipient since a moment.
type Finder interface {
	FindNotification(ctx context.Context, recipient, eventType, key string, since time.Time) (channel, ts string, found bool, err error)
}

// Marker is a Poster that marks what it posts, as a rehearsal's does with
// the date the notification was queued on.
type Marker interface {
	Mark(at time.Time, m bot.Message) bot.Message
}

// Uploader is a Poster that can share files too. ShareFile calls start
// right before the share itself, after everything that shows nobody
// anything (the upload); an error from start stops it unshared.
type Uploader interface {
	ShareFile(ctx context.Context, to string, f bot.File, start func() error) error
}

// Pacer is a Poster whose Slack budget is shared with other processes:
// Ready waits until the budget would let a call to method go, without
// taking it.
type Pacer interface {
	Ready(ctx context.Context, method string) error
}

// Payload is a notification's message as queued: a message, or a file to
// share.
type Payload struct {
	Text   string       `json:"text"`
	Blocks slack.Blocks `json:"blocks"`
	File   *bot.File    `json:"file,omitempty"`
}

// EncodeFile encodes a file to share for the outbox.
func EncodeFile(f bot.File) ([]byte, error) { return json.Marshal(Payload{File: &f}) }

// EncodePayload encodes a message for the outbox.
func EncodePayload(text string, blocks []slack.Block) ([]byte, error) {
	return json.Marshal(Payload{Text: text, Blocks: slack.Blocks{BlockSet: blocks}})
}

// Delivery settings.
const (
	batchSize = 10 // small, so that what people cause never waits long behind a backlog
	// lease is how long a claim holds its batch, and how long a send holds
	// its notification from the moment it starts. A batch can outlive its
	// claim's lease (ten posts behind a slow or rate-limited Slack); each
	// send starts only if the claim still holds (storage.StartSend checks
	// the token), so another sender that has claimed the rest meanwhile
	// is the only one to send them. A send's own lease outlasts the send
	// (finishGrace) and its recording (recordGrace), so no other sender
	// can take it while it is under way.
	lease       = 2 * time.Minute
	maxAttempts = 8
	// idleWait bounds how long a message queued by another process (the
	// roster import, another replica) waits to be noticed.
	idleWait = 5 * time.Second
	// finishGrace bounds a send that is under way when the sender is
	// asked to stop, and recordGrace the recording of its outcome.
	finishGrace = 15 * time.Second
	recordGrace = 5 * time.Second
)

// MetadataEventType marks our notifications in Slack's message metadata,
// with the outbox key, so a delivery can be recognised later.
const MetadataEventType = "massperform_notification"

// Sender delivers queued notifications. Run it in one goroutine per
// process; several processes share the outbox safely through leases.
type Sender struct {
	Outbox Outbox
	Slack  Poster
	Clock  review.Clock
	Log    *slog.Logger
	// CheckChannel, if set, is asked before anything is posted or shared
	// in a channel (only HR's digest goes to one) whether the channel may
	// have it (bot.API.ConfidentialChannel). Until it says yes, the
	// notification waits, retried with backoff like a failed post, and
	// fails after as many attempts.
	CheckChannel func(ctx context.Context, channel string) error

	wake chan struct{}
}

// NewSender returns a sender.
func NewSender(o Outbox, p Poster, clock review.Clock, log *slog.Logger) *Sender {
	return &Sender{Outbox: o, Slack: p, Clock: clock, Log: log, wake: make(chan struct{}, 1)}
}

// Wake tells the sender that something was queued.
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends: whenever woken, when the next retry is
// due, and at least every idleWait.
func (s *Sender) Run(ctx context.Context) {
	for {
		_, pause, err := s.deliverAll(ctx)
		if err != nil && ctx.Err() == nil {
			s.Log.Warn("outbox delivery pass failed", "err", err)
		}
		wait := idleWait
		if next, err := s.Outbox.NextOutboxDue(ctx); err == nil && !next.IsZero() {
			wait = min(max(next.Sub(s.Clock.Now()), 50*time.Millisecond), idleWait)
		}
		if pause > 0 {
			// Slack said to wait: nothing is posted until it has passed,
			// whatever wakes us.
			t := time.NewTimer(pause)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			continue
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.wake:
			t.Stop()
			s.settle(ctx)
		case <-t.C:
		}
	}
}

// Settling: woken, the sender waits until no new notification has been
// queued for settleQuiet (at most settleMax): a crowd saving forms at once
// has its saves done before the database and Slack are asked about their
// messages, which then go out together.
const (
	settleQuiet = 100 * time.Millisecond
	settleMax   = time.Second
)

func (s *Sender) settle(ctx context.Context) {
	limit := time.NewTimer(settleMax)
	defer limit.Stop()
	quiet := time.NewTimer(settleQuiet)
	defer quiet.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-limit.C:
			return
		case <-quiet.C:
			return
		case <-s.wake:
			quiet.Reset(settleQuiet)
		}
	}
}

// Deliver sends every notification that is due, batch by batch, and
// returns how many were sent. It stops early when Slack rate-limits a
// post: the rest wait for the Retry-After.
func (s *Sender) Deliver(ctx context.Context) (int, error) {
	sent, _, err := s.deliverAll(ctx)
	return sent, err
}

// outcome is what became of one notification.
type outcome struct {
	sent  bool
	pause time.Duration // Slack said to hold back all posting this long
	// stopped: the sender was asked to stop before the send started, and
	// the notification went back to the outbox.
	stopped bool
}

// deliverAll is Deliver, also returning how long Slack asked us to wait
// when it rate-limited a post (0 when it did not).
func (s *Sender) deliverAll(ctx context.Context) (int, time.Duration, error) {
	sent := 0
	for {
		items, err := s.Outbox.ClaimOutbox(ctx, batchSize, lease)
		if err != nil {
			return sent, 0, err
		}
		for i, it := range items {
			if ctx.Err() != nil {
				s.release(ctx, items[i:], "the sender stopped", s.Clock.Now())
				return sent, 0, ctx.Err()
			}
			o := s.deliver(ctx, it)
			if o.sent {
				sent++
			}
			if o.stopped || ctx.Err() != nil {
				// Stopping: what was claimed and not started goes back at
				// once, for the next process to send.
				s.release(ctx, items[i+1:], "the sender stopped", s.Clock.Now())
				return sent, 0, ctx.Err()
			}
			if o.pause > 0 {
				// The limit is Slack's for the method: posting the others
				// now would only break it. Hand them back for later.
				s.release(ctx, items[i+1:], "waiting out Slack's rate limit", s.Clock.Now().Add(o.pause))
				return sent, o.pause, nil
			}
		}
		if len(items) < batchSize {
			return sent, 0, nil
		}
	}
}

// release hands claimed notifications back, unattempted.
func (s *Sender) release(ctx context.Context, items []storage.OutboxItem, reason string, next time.Time) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordGrace)
	defer cancel()
	for _, it := range items {
		if err := s.Outbox.Release(rctx, it.Claim, reason, next); err != nil && !errors.Is(err, storage.ErrClaimLost) {
			s.Log.Warn("could not hand a notification back; it waits for its lease to end", "outbox_id", it.ID, "err", err)
		}
	}
}

// deliver sends one notification.
func (s *Sender) deliver(ctx context.Context, it storage.OutboxItem) outcome {
	log := s.Log.With("outbox_id", it.ID, "kind", it.Kind, "attempt", it.Attempts)
	var p Payload
	if err := json.Unmarshal(it.Payload, &p); err != nil {
		log.Error("undecodable notification", "err", err)
		s.record(ctx, log, "mark failed", func(rctx context.Context) error { return s.Outbox.MarkFailed(rctx, it.Claim, "undecodable payload") })
		return outcome{}
	}
	if s.CheckChannel != nil && isChannel(it.Recipient) {
		if err := s.CheckChannel(ctx, it.Recipient); err != nil {
			if p, ok := errors.AsType[*bot.ChannelProblem](err); ok {
				log.Warn("not posting in this channel: HR_CHANNEL " + p.Error())
			}
			// Nothing was sent: what was known of an earlier send stays.
			return s.retry(ctx, it, log, err, it.Uncertain)
		}
	}
	if p.File != nil {
		return s.share(ctx, it, *p.File, log)
	}
	if f, ok := s.Slack.(Finder); ok && it.Uncertain {
		// An earlier attempt started and never said how it went: look
		// before posting again.
		lctx, cancel := context.WithTimeout(ctx, finishGrace)
		channel, ts, found, err := f.FindNotification(lctx, it.Recipient, MetadataEventType, it.Key, it.CreatedAt)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				s.release(ctx, []storage.OutboxItem{it}, "the sender stopped", s.Clock.Now())
				return outcome{stopped: true}
			}
			// Still in doubt: the next attempt looks again.
			return s.retry(ctx, it, log, err, true)
		}
		if found {
			log.Info("notification had gone out before a restart; recording it, not sending it again")
			s.record(ctx, log, "mark sent", func(rctx context.Context) error { return s.Outbox.MarkSent(rctx, it.Claim, channel, ts) })
			return outcome{sent: true}
		}
	}
	if mk, ok := s.Slack.(Marker); ok {
		m := mk.Mark(it.CreatedAt, bot.Message{Text: p.Text, Blocks: p.Blocks.BlockSet})
		p.Text, p.Blocks.BlockSet = m.Text, m.Blocks
	}
	opts := []slack.MsgOption{
		slack.MsgOptionText(p.Text, false),
		slack.MsgOptionMetadata(slack.SlackMetadata{EventType: MetadataEventType, EventPayload: map[string]any{"key": it.Key}}),
	}
	if len(p.Blocks.BlockSet) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(p.Blocks.BlockSet...))
	}
	if pc, ok := s.Slack.(Pacer); ok {
		// Wait for Slack's budget while we may still give up, before the
		// send starts.
		if err := pc.Ready(ctx, "chat.postMessage"); err != nil {
			s.release(ctx, []storage.OutboxItem{it}, "the sender stopped", s.Clock.Now())
			return outcome{stopped: true}
		}
	}
	if !s.start(ctx, it, log) {
		return outcome{}
	}
	// A post under way is finished and recorded even if we are asked to
	// stop meanwhile: abandoning it halfway would leave Slack's answer
	// unknown.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishGrace)
	channel, ts, err := s.Slack.PostMessageContext(dctx, it.Recipient, opts...)
	cancel()
	if err == nil {
		s.record(ctx, log, "mark sent", func(rctx context.Context) error { return s.Outbox.MarkSent(rctx, it.Claim, channel, ts) })
		return outcome{sent: true}
	}
	return s.retry(ctx, it, log, err, !answered(err))
}

// start records that it is being sent, if its claim still holds: a
// sender whose claim was lost leaves it to the one that holds it now.
func (s *Sender) start(ctx context.Context, it storage.OutboxItem, log *slog.Logger) bool {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordGrace)
	defer cancel()
	err := s.Outbox.StartSend(rctx, it.Claim, lease)
	switch {
	case errors.Is(err, storage.ErrClaimLost):
		log.Info("another sender has claimed this notification since; leaving it to that one")
		return false
	case err != nil:
		log.Warn("could not record the start of a send; not sending", "err", err)
		return false
	}
	return true
}

// record writes a send's outcome, even when the sender is stopping.
func (s *Sender) record(ctx context.Context, log *slog.Logger, what string, write func(context.Context) error) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordGrace)
	defer cancel()
	switch err := write(rctx); {
	case errors.Is(err, storage.ErrClaimLost):
		log.Warn("outcome not recorded: another sender has claimed this notification since, and looks in Slack before sending", "op", what)
	case err != nil:
		log.Error("outcome not recorded; the lease keeps it from being sent again until it ends, then it is looked for first", "op", what, "err", err)
	}
}

// share uploads a queued file. Slack cannot be asked afterwards whether a
// file went out, so a share that started and stopped without saying how
// it went is not tried again: a file is shared at most once. A share
// starts right before Slack is asked to show the uploaded file; a
// notification claimed but never started is shared like any other.
func (s *Sender) share(ctx context.Context, it storage.OutboxItem, f bot.File, log *slog.Logger) outcome {
	up, ok := s.Slack.(Uploader)
	if !ok {
		s.record(ctx, log, "mark failed", func(rctx context.Context) error {
			return s.Outbox.MarkFailed(rctx, it.Claim, "this sender cannot share files")
		})
		return outcome{}
	}
	if it.Uncertain {
		log.Warn("a file share started and stopped midway before a restart; not sharing it again")
		s.record(ctx, log, "mark failed", func(rctx context.Context) error {
			return s.Outbox.MarkFailed(rctx, it.Claim, "interrupted: it may have been shared")
		})
		return outcome{}
	}
	if pc, ok := s.Slack.(Pacer); ok {
		if err := pc.Ready(ctx, "files.getUploadURLExternal"); err != nil {
			s.release(ctx, []storage.OutboxItem{it}, "the sender stopped", s.Clock.Now())
			return outcome{stopped: true}
		}
	}
	started, lost := false, false
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishGrace)
	err := up.ShareFile(dctx, it.Recipient, f, func() error {
		if ctx.Err() != nil {
			return ctx.Err() // stopping: the file goes back unshared
		}
		if !s.start(ctx, it, log) {
			lost = true
			return storage.ErrClaimLost
		}
		started = true
		return nil
	})
	cancel()
	switch {
	case err == nil:
		s.record(ctx, log, "mark sent", func(rctx context.Context) error { return s.Outbox.MarkSent(rctx, it.Claim, it.Recipient, "") })
		return outcome{sent: true}
	case lost:
		return outcome{}
	case !started && ctx.Err() != nil:
		s.release(ctx, []storage.OutboxItem{it}, "the sender stopped", s.Clock.Now())
		return outcome{stopped: true}
	}
	return s.retry(ctx, it, log, err, started && !answered(err))
}

// retry schedules another try of a failed delivery, or gives up on it.
// uncertain says the attempt may have delivered it all the same. After a
// 429 it reports the Retry-After.
func (s *Sender) retry(ctx context.Context, it storage.OutboxItem, log *slog.Logger, err error, uncertain bool) outcome {
	var pause time.Duration
	if rl, ok := errors.AsType[*slack.RateLimitedError](err); ok {
		pause = max(rl.RetryAfter, time.Second)
	}
	retry, after := retryable(err, it.Attempts)
	if !retry || it.Attempts >= maxAttempts {
		log.Warn("giving up on a notification", "err", err)
		s.record(ctx, log, "mark failed", func(rctx context.Context) error { return s.Outbox.MarkFailed(rctx, it.Claim, err.Error()) })
		return outcome{pause: pause}
	}
	log.Info("notification will be retried", "err", err, "in", after, "uncertain", uncertain)
	s.record(ctx, log, "mark retry", func(rctx context.Context) error {
		return s.Outbox.MarkRetry(rctx, it.Claim, err.Error(), s.Clock.Now().Add(after), uncertain)
	})
	return outcome{pause: pause}
}

// answered reports whether a failed call got Slack's answer, which says
// it did nothing (a refusal, a 429, a 4xx), or was never sent. After
// anything else (a 5xx, a dropped connection, a timeout) the call may
// have taken effect.
func answered(err error) bool {
	if errors.Is(err, bot.ErrNotSent) {
		return true
	}
	if _, ok := errors.AsType[*slack.RateLimitedError](err); ok {
		return true
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return true
	}
	var sc slack.StatusCodeError
	return errors.As(err, &sc) && sc.Code >= 400 && sc.Code < 500
}

// retryable decides whether a failed post is worth another try, and when.
func retryable(err error, attempts int) (bool, time.Duration) {
	if rl, ok := errors.AsType[*slack.RateLimitedError](err); ok {
		return true, max(rl.RetryAfter, time.Second)
	}
	backoff := min(time.Duration(1<<min(attempts, 10))*5*time.Second, 30*time.Minute)
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		switch se.Err {
		case "channel_not_found", "user_not_found", "account_inactive", "invalid_blocks", "invalid_arguments",
			"is_archived", "not_in_channel", "msg_too_long", "no_text", "user_disabled", "cannot_dm_bot":
			return false, 0
		}
		return true, backoff
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) && sc.Code >= 400 && sc.Code < 500 && sc.Code != 429 {
		return false, 0
	}
	return true, backoff
}

// isChannel reports whether a recipient is a channel (C…, G…), not a user
// or a direct message.
func isChannel(recipient string) bool {
	return strings.HasPrefix(recipient, "C") || strings.HasPrefix(recipient, "G")
}
