package scheduler

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
)

func TestRetryable(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		attempts int
		retry    bool
		after    time.Duration
	}{
		{"rate limited waits as told", &slack.RateLimitedError{RetryAfter: 30 * time.Second}, 1, true, 30 * time.Second},
		{"rate limited with no wait still waits a second", &slack.RateLimitedError{}, 1, true, time.Second},
		{"server error backs off", slack.StatusCodeError{Code: 503}, 1, true, 10 * time.Second},
		{"backoff grows", slack.StatusCodeError{Code: 500}, 3, true, 40 * time.Second},
		{"backoff is capped", slack.StatusCodeError{Code: 500}, 30, true, 30 * time.Minute},
		{"network trouble is retried", &net.OpError{Op: "dial", Err: errors.New("refused")}, 2, true, 20 * time.Second},
		{"a user who left is not", slack.SlackErrorResponse{Err: "user_not_found"}, 1, false, 0},
		{"a deactivated account is not", slack.SlackErrorResponse{Err: "account_inactive"}, 1, false, 0},
		{"bad blocks are not", slack.SlackErrorResponse{Err: "invalid_blocks"}, 1, false, 0},
		{"Slack's own hiccup is", slack.SlackErrorResponse{Err: "internal_error"}, 1, true, 10 * time.Second},
		{"a 4xx is not", slack.StatusCodeError{Code: 404}, 1, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			retry, after := retryable(tt.err, tt.attempts)
			if retry != tt.retry || after != tt.after {
				t.Errorf("retryable = %v, %v; want %v, %v", retry, after, tt.retry, tt.after)
			}
		})
	}
}

// fakeOutbox records what the sender does with the items it hands out.
type fakeOutbox struct {
	items    []storage.OutboxItem
	started  map[int64]bool
	sent     map[int64]string
	retried  map[int64]time.Time
	doubt    map[int64]bool // retried as uncertain
	released map[int64]time.Time
	failed   map[int64]string
}

func newFakeOutbox(items ...storage.OutboxItem) *fakeOutbox {
	return &fakeOutbox{items: items, started: map[int64]bool{}, sent: map[int64]string{}, retried: map[int64]time.Time{},
		doubt: map[int64]bool{}, released: map[int64]time.Time{}, failed: map[int64]string{}}
}

func (f *fakeOutbox) ClaimOutbox(_ context.Context, limit int, _ time.Duration) ([]storage.OutboxItem, error) {
	n := min(limit, len(f.items))
	out := f.items[:n]
	f.items = f.items[n:]
	return out, nil
}
func (f *fakeOutbox) StartSend(_ context.Context, c storage.Claim, _ time.Duration) error {
	f.started[c.ID] = true
	return nil
}
func (f *fakeOutbox) MarkSent(_ context.Context, c storage.Claim, ch, ts string) error {
	f.sent[c.ID] = ch + "/" + ts
	return nil
}
func (f *fakeOutbox) MarkRetry(_ context.Context, c storage.Claim, _ string, next time.Time, uncertain bool) error {
	f.retried[c.ID] = next
	f.doubt[c.ID] = uncertain
	return nil
}
func (f *fakeOutbox) Release(_ context.Context, c storage.Claim, _ string, next time.Time) error {
	f.released[c.ID] = next
	return nil
}
func (f *fakeOutbox) MarkFailed(_ context.Context, c storage.Claim, reason string) error {
	f.failed[c.ID] = reason
	return nil
}
func (f *fakeOutbox) NextOutboxDue(context.Context) (time.Time, error) { return time.Time{}, nil }

// fakePoster answers each recipient with a canned error (nil: success).
type fakePoster struct {
	errs   map[string]error
	posted []string
}

func (f *fakePoster) PostMessageContext(_ context.Context, ch string, _ ...slack.MsgOption) (string, string, error) {
	f.posted = append(f.posted, ch)
	if err := f.errs[ch]; err != nil {
		return "", "", err
	}
	return "D" + ch, "1700000000.0001", nil
}

func TestDeliver(t *testing.T) {
	now := time.Date(2026, 8, 3, 14, 0, 0, 0, time.UTC)
	payload, _ := EncodePayload("hi", []slack.Block{slack.NewDividerBlock()})
	item := func(id int64, to string, attempts int) storage.OutboxItem {
		return storage.OutboxItem{Claim: storage.Claim{ID: id}, Key: "k" + to, Recipient: to, Kind: "test", Payload: payload, Attempts: attempts}
	}
	var items []storage.OutboxItem
	items = append(items, item(1, "UOK", 1), item(2, "UGONE", 1), item(4, "UBUSY2", maxAttempts),
		storage.OutboxItem{Claim: storage.Claim{ID: 5}, Recipient: "UBAD", Payload: []byte("{not json"), Attempts: 1})
	for i := range 60 { // more than one batch
		items = append(items, item(int64(100+i), "UMANY", 1))
	}
	box := newFakeOutbox(items...)
	poster := &fakePoster{errs: map[string]error{
		"UGONE":  slack.SlackErrorResponse{Err: "user_not_found"},
		"UBUSY":  &slack.RateLimitedError{RetryAfter: 20 * time.Second},
		"UBUSY2": slack.StatusCodeError{Code: 502},
	}}
	s := NewSender(box, poster, review.ClockFunc(func() time.Time { return now }), slog.New(slog.NewTextHandler(io.Discard, nil)))

	sent, err := s.Deliver(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sent != 61 || len(box.sent) != 61 || box.sent[1] != "DUOK/1700000000.0001" {
		t.Errorf("sent %d (%v)", sent, len(box.sent))
	}
	for _, id := range []int64{2, 4, 5} {
		if box.failed[id] == "" {
			t.Errorf("item %d should have failed for good (failed: %v)", id, box.failed)
		}
	}
	if len(poster.posted) != 63 {
		t.Errorf("posted %d times, want 63 (the undecodable one is never posted)", len(poster.posted))
	}
}

// TestDeliverStopsAt429 checks that a rate-limited post holds back the
// rest: nothing more is posted, and everything left waits for the
// Retry-After.
func TestDeliverStopsAt429(t *testing.T) {
	now := time.Date(2026, 8, 3, 14, 0, 0, 0, time.UTC)
	payload, _ := EncodePayload("hi", nil)
	var items []storage.OutboxItem
	for i, to := range []string{"UOK", "UBUSY", "UOK2", "UOK3"} {
		items = append(items, storage.OutboxItem{Claim: storage.Claim{ID: int64(i + 1)}, Key: "k" + to, Recipient: to, Kind: "test", Payload: payload, Attempts: 1})
	}
	box := newFakeOutbox(items...)
	poster := &fakePoster{errs: map[string]error{"UBUSY": &slack.RateLimitedError{RetryAfter: 20 * time.Second}}}
	s := NewSender(box, poster, review.ClockFunc(func() time.Time { return now }), slog.New(slog.NewTextHandler(io.Discard, nil)))
	sent, pause, err := s.deliverAll(context.Background())
	if err != nil || sent != 1 || pause != 20*time.Second {
		t.Fatalf("sent %d, pause %v, %v", sent, pause, err)
	}
	if len(poster.posted) != 2 {
		t.Errorf("posted to %v: nothing should follow the 429", poster.posted)
	}
	if !box.retried[2].Equal(now.Add(20*time.Second)) || box.doubt[2] {
		t.Errorf("the rate-limited item retried at %v (uncertain %v), want after the Retry-After", box.retried[2], box.doubt[2])
	}
	for _, id := range []int64{3, 4} {
		if !box.released[id].Equal(now.Add(20*time.Second)) || box.started[id] {
			t.Errorf("item %d handed back at %v (started %v), want unstarted, after the Retry-After", id, box.released[id], box.started[id])
		}
	}
}

// fakeUploader is a poster that shares files too.
type fakeUploader struct {
	fakePoster
	shared []string
	err    error // from the upload, before the share starts
	after  error // from the share, once started
}

func (f *fakeUploader) ShareFile(_ context.Context, to string, file bot.File, start func() error) error {
	if f.err != nil {
		return f.err
	}
	if err := start(); err != nil {
		return err
	}
	if f.after != nil {
		return f.after
	}
	f.shared = append(f.shared, to+"/"+file.Name+"/"+string(file.Data))
	return nil
}

// TestDeliverSharesFiles: a queued file is shared once; a share that
// started and was interrupted is never tried again; one that failed
// before it started is retried, and one that failed once started without
// Slack's answer is left in doubt (and so never shared again).
func TestDeliverSharesFiles(t *testing.T) {
	now := time.Date(2026, 8, 3, 14, 0, 0, 0, time.UTC)
	payload, err := EncodeFile(bot.File{Name: "d.csv", Data: []byte("a,b\n")})
	if err != nil {
		t.Fatal(err)
	}
	file := func(id int64, uncertain bool) storage.OutboxItem {
		return storage.OutboxItem{Claim: storage.Claim{ID: id}, Recipient: "CHR", Kind: "digest file", Payload: payload, Attempts: 1, Uncertain: uncertain}
	}
	box := newFakeOutbox(file(1, false), file(2, true))
	up := &fakeUploader{}
	clock := review.ClockFunc(func() time.Time { return now })
	s := NewSender(box, up, clock, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, err := s.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(up.shared) != 1 || up.shared[0] != "CHR/d.csv/a,b\n" || box.sent[1] == "" || !box.started[1] || box.failed[2] == "" || box.started[2] || len(up.posted) != 0 {
		t.Fatalf("shared %v; sent %v; failed %v; posted %v", up.shared, box.sent, box.failed, up.posted)
	}

	box.items = []storage.OutboxItem{file(3, false)}
	up.err = slack.StatusCodeError{Code: 503}
	if _, err := s.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	if box.retried[3].IsZero() || box.doubt[3] || box.started[3] {
		t.Fatalf("a share that failed before it started was not retried plainly: retried %v, uncertain %v", box.retried, box.doubt)
	}
	box.items = []storage.OutboxItem{file(4, false), file(5, false)}
	up.err, up.after = nil, slack.StatusCodeError{Code: 503}
	box.items[1].Payload = []byte("{not json") // so the second is not shared
	if _, err := s.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !box.started[4] || !box.doubt[4] {
		t.Fatalf("a share that failed once started is not in doubt: %v", box.doubt)
	}

	// A sender that cannot share files says so, once.
	box.items = []storage.OutboxItem{file(6, false)}
	plain := NewSender(box, &fakePoster{}, clock, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, err := plain.Deliver(context.Background()); err != nil || box.failed[6] == "" {
		t.Fatalf("%v, failed %v", err, box.failed)
	}
}

// TestDeliverOnlyToAConfidentialChannel: nothing is posted or shared in a
// channel CheckChannel does not pass, whether it is unfit or Slack could not
// be asked; it waits and is retried, and fails after the last attempt.
// Direct messages are not checked.
func TestDeliverOnlyToAConfidentialChannel(t *testing.T) {
	now := time.Date(2026, 10, 12, 12, 0, 0, 0, time.UTC)
	msg, _ := EncodePayload("digest", nil)
	file, _ := EncodeFile(bot.File{Name: "d.csv", Data: []byte("a\n")})
	verdicts := map[string]error{
		"CPUBLIC": &bot.ChannelProblem{Channel: "CPUBLIC", Reason: "is public"},
		"GNOTIN":  &bot.ChannelProblem{Channel: "GNOTIN", Reason: "is private but the app is not in it"},
		"CDOWN":   slack.StatusCodeError{Code: 503},
		"CHR":     nil,
	}
	var asked []string
	box := newFakeOutbox(
		storage.OutboxItem{Claim: storage.Claim{ID: 1}, Recipient: "CPUBLIC", Kind: "digest", Payload: msg, Attempts: 1},
		storage.OutboxItem{Claim: storage.Claim{ID: 2}, Recipient: "CPUBLIC", Kind: "digest file", Payload: file, Attempts: 1},
		storage.OutboxItem{Claim: storage.Claim{ID: 3}, Recipient: "GNOTIN", Kind: "digest", Payload: msg, Attempts: 1},
		storage.OutboxItem{Claim: storage.Claim{ID: 4}, Recipient: "CDOWN", Kind: "digest", Payload: msg, Attempts: 1},
		storage.OutboxItem{Claim: storage.Claim{ID: 5}, Recipient: "CPUBLIC", Kind: "digest", Payload: msg, Attempts: maxAttempts},
		storage.OutboxItem{Claim: storage.Claim{ID: 6}, Recipient: "CHR", Kind: "digest", Payload: msg, Attempts: 1},
		storage.OutboxItem{Claim: storage.Claim{ID: 7}, Recipient: "CHR", Kind: "digest file", Payload: file, Attempts: 1},
		storage.OutboxItem{Claim: storage.Claim{ID: 8}, Recipient: "U0ELI", Kind: "nudge", Payload: msg, Attempts: 1},
	)
	up := &fakeUploader{}
	s := NewSender(box, up, review.ClockFunc(func() time.Time { return now }), slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.CheckChannel = func(_ context.Context, ch string) error {
		asked = append(asked, ch)
		return verdicts[ch]
	}
	if _, err := s.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(up.posted) != 2 || up.posted[0] != "CHR" || up.posted[1] != "U0ELI" || len(up.shared) != 1 || up.shared[0] != "CHR/d.csv/a\n" {
		t.Errorf("posted %v, shared %v: want only HR's channel and the DM", up.posted, up.shared)
	}
	for _, id := range []int64{1, 2, 3, 4} {
		if !box.retried[id].After(now) {
			t.Errorf("item %d is not waiting for a later try: retried %v, failed %v", id, box.retried, box.failed)
		}
	}
	if box.failed[5] == "" {
		t.Errorf("the last attempt at a public channel did not fail: %v", box.failed)
	}
	for _, ch := range asked {
		if ch == "U0ELI" {
			t.Error("a direct message was checked as a channel")
		}
	}
}
