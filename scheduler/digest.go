package scheduler

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
)

// DigestStore is what the digest reads and writes.
type DigestStore interface {
	EachReviewed(ctx context.Context, fy review.FiscalYear, fn func(p, manager *review.Person, y review.YearState)) error
	NoAnswers(ctx context.Context, fy review.FiscalYear) ([]storage.NoAnswer, error)
	FailedSince(ctx context.Context, since time.Time) (int, error)
	// QueueDigest queues the digest and records what it counted, once a day.
	QueueDigest(ctx context.Context, ns []storage.Notification, c review.DigestCount) error
	// DigestCounts is what earlier digests counted, from one day to another.
	DigestCounts(ctx context.Context, from, to review.Date) ([]review.DigestCount, error)
	LiveYears(ctx context.Context, cal review.Calendar, now time.Time) ([]review.FiscalYear, error)
	YearBusiness(ctx context.Context, fy review.FiscalYear) (review.YearBusiness, error)
	Appeals(ctx context.Context, fy review.FiscalYear, open bool) ([]storage.AppealCase, error)
}

// Digester builds HR's weekly digest and posts it to the HR channel.
type Digester struct {
	Store   DigestStore
	Cal     review.Calendar
	Channel string // HR_CHANNEL
	// Message and CSV render the digest; a nil CSV leaves the file out.
	Message func(review.Digest) ([]byte, error)
	CSV     func(review.Digest) []byte
	// WriteCSV, if set, is used instead of CSV: it writes the file
	// straight into the queued payload, so that the file of a large
	// organisation is not held twice over (as CSV, then encoded).
	WriteCSV func(io.Writer, review.Digest) error
	// Listed, when above 0, is how many of each manager's overdue items
	// the digest writes out in ManagerOverdue.Items (what Message shows);
	// CSV has them all through Digest.EachOverdue. 0 writes out all.
	Listed int
	// Check, if set, says whether a channel may receive the digest, which
	// names people (bot.API.ConfidentialChannel): nil, a
	// *bot.ChannelProblem, or another error when it could not be asked.
	Check func(ctx context.Context, channel string) error
	Log   *slog.Logger
}

// Build gathers the digest at now: the No answers, then one pass over
// everyone reviewed this fiscal year, a thousand at a time, keeping of
// each what the digest needs (review.DigestBuilder), then the week's
// failed deliveries, and the quarter's overdue items week by week (what
// earlier digests counted, and this one).
func (g *Digester) Build(ctx context.Context, now time.Time) (review.Digest, error) {
	fy := g.Cal.Year(now)
	b := review.NewDigest(g.Cal, now)
	b.Listed = g.Listed
	no, err := g.Store.NoAnswers(ctx, fy)
	if err != nil {
		return review.Digest{}, err
	}
	// Those who answered No, as the pass meets them: a copy, since the
	// pass's people come a page at a time.
	people := make(map[int64]*review.Person, len(no))
	for _, n := range no {
		people[n.PersonID] = nil
	}
	err = g.Store.EachReviewed(ctx, fy, func(p, m *review.Person, y review.YearState) {
		if _, ok := people[p.ID]; ok {
			cp := *p
			people[p.ID] = &cp
		}
		b.Add(p, m, y)
	})
	if err != nil {
		return review.Digest{}, err
	}
	for _, n := range no {
		if p := people[n.PersonID]; p != nil {
			b.AddNo(p, n.Answer)
		}
	}
	failed, err := g.Store.FailedSince(ctx, now.Add(-7*24*time.Hour))
	if err != nil {
		return review.Digest{}, err
	}
	d := b.Build(failed)
	first, _ := fy.Quarter(review.QuarterOf(d.Day))
	past, err := g.Store.DigestCounts(ctx, first, d.Day)
	if err != nil {
		return review.Digest{}, err
	}
	d.Trend = review.OverdueTrend(d.Day, past, d.OverdueCount())
	live, err := g.Store.LiveYears(ctx, g.Cal, now)
	if err != nil {
		return review.Digest{}, err
	}
	if slices.Contains(live, fy-1) {
		closing, err := g.Store.YearBusiness(ctx, fy-1)
		if err != nil {
			return review.Digest{}, err
		}
		d.Closing = &closing
	}
	open, err := g.Store.Appeals(ctx, 0, true)
	if err != nil {
		return review.Digest{}, err
	}
	today := g.Cal.Today(now)
	for _, a := range open {
		d.Appeals++
		if today.After(a.HearingDue) {
			d.HearingsOverdue++
		}
	}
	return d, nil
}

// Run builds the digest at now and, unless dryRun, queues it for the HR
// channel with its CSV file, once per day whoever runs it, and records
// its overdue count for the weeks to come (a dry run records nothing). The sender
// delivers both, so that Slack hears from one place at its pace. A channel
// that Check finds unfit (public, without the app, shared outside) gets
// nothing: Run returns an error saying why and what to do. When Check
// could not ask Slack, the digest is queued, and the sender checks again
// before posting it.
func (g *Digester) Run(ctx context.Context, now time.Time, dryRun bool) (review.Digest, error) {
	if !dryRun {
		if g.Channel == "" {
			return review.Digest{}, fmt.Errorf("HR_CHANNEL is not set, so the digest has nowhere to go")
		}
		if err := g.check(ctx); err != nil {
			return review.Digest{}, err
		}
	}
	d, err := g.Build(ctx, now)
	if err != nil || dryRun {
		return d, err
	}
	payload, err := g.Message(d)
	if err != nil {
		return d, err
	}
	key := "digest:" + d.Day.String()
	ns := []storage.Notification{{Key: key, Recipient: g.Channel, Kind: "digest", Payload: payload}}
	if g.CSV != nil || g.WriteCSV != nil {
		f := bot.File{Name: fmt.Sprintf("massperform-digest-%s.csv", d.Day), Title: "MassPerform digest, " + d.Day.Human(),
			Comment: "The full lists for this week's digest."}
		var file []byte
		if g.WriteCSV != nil {
			file, err = encodeFileWriting(f, func(w io.Writer) error { return g.WriteCSV(w, d) })
		} else {
			f.Data = g.CSV(d)
			file, err = EncodeFile(f)
		}
		if err != nil {
			return d, err
		}
		ns = append(ns, storage.Notification{Key: key + ":file", Recipient: g.Channel, Kind: "digest file", Payload: file})
	}
	return d, g.Store.QueueDigest(ctx, ns, review.DigestCount{Day: d.Day, Overdue: d.OverdueCount()})
}

// check asks Check about the channel; only a verdict stops the digest.
func (g *Digester) check(ctx context.Context) error {
	if g.Check == nil {
		return nil
	}
	err := g.Check(ctx, g.Channel)
	if p, ok := errors.AsType[*bot.ChannelProblem](err); ok {
		return fmt.Errorf("HR's digest was not queued: HR_CHANNEL %w", p)
	}
	if err != nil && g.Log != nil {
		g.Log.Warn("could not check HR_CHANNEL with Slack; the digest is queued, and checked again before it is posted", "err", err)
	}
	return nil
}

// encodeFileWriting encodes f as EncodeFile does, byte for byte, with the
// data write writes: encoded as it is written, never held on its own.
func encodeFileWriting(f bot.File, write func(io.Writer) error) ([]byte, error) {
	f.Data = nil
	head, err := EncodeFile(f)
	if err != nil {
		return nil, err
	}
	// The data is the file's last field: nil, it ends the payload so.
	const tail = `"Data":null}}`
	if !bytes.HasSuffix(head, []byte(tail)) {
		return nil, fmt.Errorf("encode file: the payload ends %q, not with its data", head[max(0, len(head)-len(tail)):])
	}
	var b bytes.Buffer
	b.Write(head[:len(head)-len("null}}")])
	b.WriteByte('"') // encoding/json writes a []byte as a string in standard base64
	enc := base64.NewEncoder(base64.StdEncoding, &b)
	if err := write(enc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	b.WriteString(`"}}`)
	return b.Bytes(), nil
}
