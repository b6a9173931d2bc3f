package scheduler

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
)

// fakeDigestStore holds nobody and records what is queued, and what the
// queued digests counted.
type fakeDigestStore struct {
	queued []storage.Notification
	counts []review.DigestCount
}

func (f *fakeDigestStore) EachReviewed(context.Context, review.FiscalYear, func(p, m *review.Person, y review.YearState)) error {
	return nil
}
func (f *fakeDigestStore) NoAnswers(context.Context, review.FiscalYear) ([]storage.NoAnswer, error) {
	return nil, nil
}
func (f *fakeDigestStore) FailedSince(context.Context, time.Time) (int, error) { return 0, nil }
func (f *fakeDigestStore) QueueDigest(_ context.Context, ns []storage.Notification, c review.DigestCount) error {
	f.queued = append(f.queued, ns...)
	f.counts = append(f.counts, c)
	return nil
}
func (f *fakeDigestStore) DigestCounts(_ context.Context, from, to review.Date) ([]review.DigestCount, error) {
	var out []review.DigestCount
	for _, c := range f.counts {
		if !c.Day.Before(from) && !c.Day.After(to) {
			out = append(out, c)
		}
	}
	return out, nil
}
func (f *fakeDigestStore) LiveYears(_ context.Context, cal review.Calendar, now time.Time) ([]review.FiscalYear, error) {
	return []review.FiscalYear{cal.Year(now)}, nil
}
func (f *fakeDigestStore) YearBusiness(_ context.Context, fy review.FiscalYear) (review.YearBusiness, error) {
	return review.YearBusiness{Year: fy}, nil
}
func (f *fakeDigestStore) Appeals(context.Context, review.FiscalYear, bool) ([]storage.AppealCase, error) {
	return nil, nil
}

// TestDigestOnlyToAConfidentialChannel: the digest is queued for a channel
// Check passes; for one it finds unfit nothing is queued and the error says
// why; when Slack could not be asked it is queued (the sender checks again
// before posting). A dry run asks nothing.
func TestDigestOnlyToAConfidentialChannel(t *testing.T) {
	boston, _ := time.LoadLocation("America/New_York")
	now := time.Date(2026, 10, 12, 8, 0, 0, 0, boston)
	tests := []struct {
		name    string
		verdict error
		queued  int
		err     string
	}{
		{"a private channel with the app", nil, 2, ""},
		{"a public channel", &bot.ChannelProblem{Channel: "C0HR", Reason: "is public, and the digest names people: make it private or name a private one"}, 0,
			"HR's digest was not queued: HR_CHANNEL C0HR is public, and the digest names people: make it private or name a private one"},
		{"a private channel without the app", &bot.ChannelProblem{Channel: "C0HR", Reason: "is private but the app is not in it: invite @MassPerform to it"}, 0,
			"HR_CHANNEL C0HR is private but the app is not in it: invite @MassPerform to it"},
		{"Slack not answering", slack.StatusCodeError{Code: 503}, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &fakeDigestStore{}
			asked := 0
			g := &Digester{Store: store, Cal: review.Calendar{Loc: boston}, Channel: "C0HR",
				Message: func(review.Digest) ([]byte, error) { return []byte(`{"text":"digest"}`), nil },
				CSV:     func(review.Digest) []byte { return []byte("a\n") },
				Check:   func(_ context.Context, ch string) error { asked++; return tt.verdict },
				Log:     slog.New(slog.NewTextHandler(io.Discard, nil))}
			if _, err := g.Run(context.Background(), now, true); err != nil || asked != 0 || len(store.queued) != 0 {
				t.Fatalf("a dry run: %v, asked Slack %d times, queued %d", err, asked, len(store.queued))
			}
			_, err := g.Run(context.Background(), now, false)
			if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Errorf("Run = %v, want %q", err, tt.err)
			}
			if len(store.queued) != tt.queued || asked != 1 {
				t.Errorf("queued %d (want %d), asked Slack %d times", len(store.queued), tt.queued, asked)
			}
		})
	}
}

// TestDigestTrend: the digest carries the quarter's overdue counts week by
// week, from what earlier digests recorded and its own; a real run records
// its count, a dry run does not.
func TestDigestTrend(t *testing.T) {
	boston, _ := time.LoadLocation("America/New_York")
	day := func(s string) review.Date { d, _ := review.ParseDate(s); return d }
	store := &fakeDigestStore{counts: []review.DigestCount{{Day: day("2026-09-28"), Overdue: 9}, {Day: day("2026-10-05"), Overdue: 3}}}
	g := &Digester{Store: store, Cal: review.Calendar{Loc: boston}, Channel: "C0HR",
		Message: func(review.Digest) ([]byte, error) { return []byte(`{"text":"digest"}`), nil }}
	now := time.Date(2026, 10, 12, 8, 0, 0, 0, boston)
	want := []review.DigestCount{{Day: day("2026-10-05"), Overdue: 3}, {Day: day("2026-10-12"), Overdue: 0}}
	d, err := g.Run(context.Background(), now, true)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, d.Trend); diff != "" {
		t.Errorf("a dry run's trend (-want +got):\n%s", diff)
	}
	if len(store.counts) != 2 {
		t.Errorf("a dry run recorded a count: %v", store.counts)
	}
	d, err = g.Run(context.Background(), now, false)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, d.Trend); diff != "" {
		t.Errorf("the trend (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(append([]review.DigestCount{{Day: day("2026-09-28"), Overdue: 9}}, want...), store.counts); diff != "" {
		t.Errorf("recorded (-want +got):\n%s", diff)
	}
}
