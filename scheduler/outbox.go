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

// Outbox is the storage the sender works on.
type Outbox interface {
	ClaimOutbox(ctx context.Context, limit int, lease time.Duration) ([]storage.OutboxItem, error)
	MarkSent(ctx context.Context, id int64, channel, ts string) error
	MarkRetry(ctx context.Context, id int64, reason string, next time.Time) error
	MarkFailed(ctx context.Context, id int64, reason string) error
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

// Uploader is a Poster that can share files too.
type Uploader interface {
	UploadFile(ctx context.Context, to string, f bot.File) error
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
	batchSize   = 10 // small, so that what people cause never waits long behind a backlog
	lease       = 2 * time.Minute
	maxAttempts = 8
	// idleWait bounds how long a message queued by another process (the
	// roster import, another replica) waits to be noticed.
	idleWait = 5 * time.Second
	// finishGrace bounds a post that is under way when the sender is
	// asked to stop.
	finishGrace = 15 * time.Second
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
		case <-t.C:
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
				// Stopping: what was claimed and not started goes back at
				// once, for the next process to send.
				back := context.WithoutCancel(ctx)
				for _, rest := range items[i:] {
					_ = s.Outbox.MarkRetry(back, rest.ID, "the sender stopped", s.Clock.Now())
				}
				return sent, 0, ctx.Err()
			}
			// A post under way is finished and recorded even if we are
			// asked to stop meanwhile: abandoning it halfway would leave
			// Slack's answer unknown.
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishGrace)
			ok, pause := s.deliver(dctx, it)
			cancel()
			if ok {
				sent++
			}
			if pause > 0 {
				// The limit is Slack's for the method: posting the others
				// now would only break it. Hand them back for later.
				for _, rest := range items[i+1:] {
					_ = s.Outbox.MarkRetry(ctx, rest.ID, "waiting out Slack's rate limit", s.Clock.Now().Add(pause))
				}
				return sent, pause, nil
			}
		}
		if len(items) < batchSize {
			return sent, 0, nil
		}
	}
}

// deliver posts one notification. It reports whether it went out, and how
// long to hold back all posting when Slack rate-limited it.
func (s *Sender) deliver(ctx context.Context, it storage.OutboxItem) (bool, time.Duration) {
	log := s.Log.With("outbox_id", it.ID, "kind", it.Kind, "attempt", it.Attempts)
	var p Payload
	if err := json.Unmarshal(it.Payload, &p); err != nil {
		log.Error("undecodable notification", "err", err)
		_ = s.Outbox.MarkFailed(ctx, it.ID, "undecodable payload")
		return false, 0
	}
	if s.CheckChannel != nil && isChannel(it.Recipient) {
		if err := s.CheckChannel(ctx, it.Recipient); err != nil {
			if p, ok := errors.AsType[*bot.ChannelProblem](err); ok {
				log.Warn("not posting in this channel: HR_CHANNEL " + p.Error())
			}
			return s.retry(ctx, it, log, err)
		}
	}
	if p.File != nil {
		return s.share(ctx, it, *p.File, log)
	}
	if f, ok := s.Slack.(Finder); ok && it.Uncertain {
		// An earlier attempt stopped without saying how it went: look
		// before posting again.
		channel, ts, found, err := f.FindNotification(ctx, it.Recipient, MetadataEventType, it.Key, it.CreatedAt)
		if err != nil {
			return s.retry(ctx, it, log, err)
		}
		if found {
			log.Info("notification had gone out before a restart; recording it, not sending it again")
			if err := s.Outbox.MarkSent(ctx, it.ID, channel, ts); err != nil {
				log.Error("found but not recorded", "err", err)
			}
			return true, 0
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
	channel, ts, err := s.Slack.PostMessageContext(ctx, it.Recipient, opts...)
	if err == nil {
		if err := s.Outbox.MarkSent(ctx, it.ID, channel, ts); err != nil {
			log.Error("sent but not recorded; the lease keeps it from going out again until it ends", "err", err)
		}
		return true, 0
	}
	return s.retry(ctx, it, log, err)
}

// share uploads a queued file. Slack cannot be asked afterwards whether a
// file went out, so a share that stopped without saying how it went is not
// tried again: a file is shared at most once.
func (s *Sender) share(ctx context.Context, it storage.OutboxItem, f bot.File, log *slog.Logger) (bool, time.Duration) {
	up, ok := s.Slack.(Uploader)
	if !ok {
		_ = s.Outbox.MarkFailed(ctx, it.ID, "this sender cannot share files")
		return false, 0
	}
	if it.Uncertain {
		log.Warn("a file share stopped midway before a restart; not sharing it again")
		_ = s.Outbox.MarkFailed(ctx, it.ID, "interrupted: it may have been shared")
		return false, 0
	}
	if err := up.UploadFile(ctx, it.Recipient, f); err != nil {
		return s.retry(ctx, it, log, err)
	}
	if err := s.Outbox.MarkSent(ctx, it.ID, it.Recipient, ""); err != nil {
		log.Error("shared but not recorded; the lease keeps it from going out again", "err", err)
	}
	return true, 0
}

// retry schedules another try of a failed delivery, or gives up on it. It
// reports false (nothing was sent) and, after a 429, the Retry-After.
func (s *Sender) retry(ctx context.Context, it storage.OutboxItem, log *slog.Logger, err error) (bool, time.Duration) {
	var pause time.Duration
	if rl, ok := errors.AsType[*slack.RateLimitedError](err); ok {
		pause = max(rl.RetryAfter, time.Second)
	}
	retry, after := retryable(err, it.Attempts)
	if !retry || it.Attempts >= maxAttempts {
		log.Warn("giving up on a notification", "err", err)
		_ = s.Outbox.MarkFailed(ctx, it.ID, err.Error())
		return false, pause
	}
	log.Info("notification will be retried", "err", err, "in", after)
	_ = s.Outbox.MarkRetry(ctx, it.ID, err.Error(), s.Clock.Now().Add(after))
	return false, pause
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
