package scheduler

import (
	"context"
	"slices"
	"time"

	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
)

// ScopeStore is what a digest for one part of the organisation reads.
type ScopeStore interface {
	// EachReviewedIn walks only the people whose unit lies inside scope.
	EachReviewedIn(ctx context.Context, fy review.FiscalYear, scope string, fn func(p, manager *review.Person, y review.YearState)) error
	NoAnswers(ctx context.Context, fy review.FiscalYear) ([]storage.NoAnswer, error)
	Appeals(ctx context.Context, fy review.FiscalYear, open bool) ([]storage.AppealCase, error)
	// What only the whole organisation's digest has.
	FailedSince(ctx context.Context, since time.Time) (int, error)
	DigestCounts(ctx context.Context, from, to review.Date) ([]review.DigestCount, error)
	LiveYears(ctx context.Context, cal review.Calendar, now time.Time) ([]review.FiscalYear, error)
	YearBusiness(ctx context.Context, fy review.FiscalYear) (review.YearBusiness, error)
}

// Scoped is a digest for one part of the organisation, with the
// improvement plans open in it.
type Scoped struct {
	Digest    review.Digest
	PlansOpen int
}

// BuildScope is the digest at now for the people inside scope, as HR of
// that part of the organisation sees it: completion by unit, what is
// overdue by manager, the No answers and the open appeals, all within the
// scope and walking only the people in it, with the improvement plans
// open there. For scope "" (everyone) it is the channel's digest, as
// Digester.Build makes it; for a part of the organisation, what belongs
// to the whole is left out: failed deliveries, the week-by-week trend
// (earlier digests counted everyone) and the closing year's counts.
//
// listed is how many of each manager's overdue items are written out in
// full (review.DigestBuilder.Listed; 0 for all of them).
func BuildScope(ctx context.Context, st ScopeStore, cal review.Calendar, now time.Time, scope string, listed int) (Scoped, error) {
	fy := cal.Year(now)
	b := review.NewDigest(cal, now)
	b.Listed = listed
	no, err := st.NoAnswers(ctx, fy)
	if err != nil {
		return Scoped{}, err
	}
	// Those who answered No, as the walk meets them: a copy, since its
	// people come a page at a time.
	people := make(map[int64]*review.Person, len(no))
	for _, n := range no {
		people[n.PersonID] = nil
	}
	plans := 0
	err = st.EachReviewedIn(ctx, fy, scope, func(p, m *review.Person, y review.YearState) {
		if _, ok := people[p.ID]; ok {
			cp := *p
			people[p.ID] = &cp
		}
		b.Add(p, m, y)
		if !y.Left {
			for _, pl := range y.Plans {
				if pl.Open() {
					plans++
				}
			}
		}
	})
	if err != nil {
		return Scoped{}, err
	}
	for _, n := range no {
		if p := people[n.PersonID]; p != nil {
			b.AddNo(p, n.Answer)
		}
	}
	failed := 0
	if scope == "" {
		if failed, err = st.FailedSince(ctx, now.Add(-7*24*time.Hour)); err != nil {
			return Scoped{}, err
		}
	}
	d := b.Build(failed)
	if scope == "" {
		first, _ := fy.Quarter(review.QuarterOf(d.Day))
		past, err := st.DigestCounts(ctx, first, d.Day)
		if err != nil {
			return Scoped{}, err
		}
		d.Trend = review.OverdueTrend(d.Day, past, d.OverdueCount())
		live, err := st.LiveYears(ctx, cal, now)
		if err != nil {
			return Scoped{}, err
		}
		if slices.Contains(live, fy-1) {
			closing, err := st.YearBusiness(ctx, fy-1)
			if err != nil {
				return Scoped{}, err
			}
			d.Closing = &closing
		}
	}
	open, err := st.Appeals(ctx, 0, true)
	if err != nil {
		return Scoped{}, err
	}
	today := cal.Today(now)
	for _, a := range open {
		if !review.InScope(scope, a.Person.Unit) {
			continue
		}
		d.Appeals++
		if today.After(a.HearingDue) {
			d.HearingsOverdue++
		}
	}
	return Scoped{Digest: d, PlansOpen: plans}, nil
}
