package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
)

// NudgeStore is what the nudge sweep reads and writes.
type NudgeStore interface {
	ActivePeople(ctx context.Context) ([]review.Person, error)
	DueStates(ctx context.Context, fy review.FiscalYear, ids []int64) (map[int64]review.YearState, error)
	LastReminders(ctx context.Context, recipients []int64) (map[int64]map[string]review.Date, error)
	Snoozes(ctx context.Context, day review.Date) (map[int64]review.Date, error)
	RecordNudges(ctx context.Context, nudges []storage.NudgeRecord) (int, error)
}

// Nudge is one person's reminder for one day: everything due from them.
type Nudge struct {
	Recipient review.Person
	Day       review.Date // in the recipient's own time zone
	Year      review.FiscalYear
	// Phases are openings of the year the recipient hears of for the
	// first time (the July kickoff, say), with Manages set when they
	// manage people.
	Phases  []review.Phase
	Manages bool
	Lines   []NudgeLine
}

// Key is the nudge's outbox key: one per person per day.
func (n Nudge) Key() string { return fmt.Sprintf("nudge:%s:%s", n.Recipient.SlackID, n.Day) }

// NudgeLine is one due item in a nudge, and whose review it is in.
type NudgeLine struct {
	Item  review.Item
	About *review.Person // the employee whose review it is (the recipient for their own items)
	Year  review.YearState
	Key   string // review.ReminderKey
}

// Self reports whether the line is about the recipient's own review.
func (l NudgeLine) Self(recipient review.Person) bool { return l.About.ID == recipient.ID }

// Nudger decides who to nudge, and queues the nudges.
type Nudger struct {
	Store    NudgeStore
	Cal      review.Calendar
	Holidays review.Holidays
	// Message renders a nudge for Slack.
	Message func(Nudge) ([]byte, error)
	// PhasesOnly makes the sweep announce the year's openings and nothing
	// else (the kickoff job).
	PhasesOnly bool
	// DND, if set, returns which of these Slack users have Do Not Disturb
	// on now; they are left for a later sweep.
	DND func(ctx context.Context, userIDs []string) (map[string]bool, error)
	Log *slog.Logger
}

// sweepChunk is how many people's years the sweep loads at a time.
const sweepChunk = 1000

// Plan decides the nudges due at now: for each person for whom now is a
// working day between 9:00 and 17:00 in their own time zone, not snoozed,
// the items due from them (their own, and their reports' that are their
// move) that the rhythm says to remind today. Everything is loaded in
// sets, a thousand people at a time; nothing is asked per person.
func (n *Nudger) Plan(ctx context.Context, now time.Time) ([]Nudge, error) {
	people, err := n.Store.ActivePeople(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*review.Person, len(people))
	day := make(map[int64]review.Date, len(people))
	zones := map[string]*time.Location{}
	for i := range people {
		p := &people[i]
		byID[p.ID] = p
		loc := n.Cal.Loc
		if p.TZ != "" {
			l, ok := zones[p.TZ]
			if !ok {
				if l, err = time.LoadLocation(p.TZ); err != nil {
					l = n.Cal.Loc
				}
				zones[p.TZ] = l
			}
			loc = l
		}
		if d, ok := n.Holidays.NudgeTime(now.In(loc)); ok {
			day[p.ID] = d
		}
	}
	if len(day) == 0 {
		return nil, nil
	}
	snoozed, err := n.Store.Snoozes(ctx, n.Cal.Today(now).AddDays(-1))
	if err != nil {
		return nil, err
	}
	for id, until := range snoozed {
		if d, ok := day[id]; ok && !d.After(until) {
			delete(day, id)
		}
	}
	// Route each reviewed person's due items to whoever's move it is.
	fy := n.Cal.Year(now)
	manages := map[int64]bool{}
	for _, p := range people {
		if p.ManagerID != 0 {
			manages[p.ManagerID] = true
		}
	}
	lines := map[int64][]NudgeLine{}
	var reviewed []int64
	for _, p := range people {
		if !p.Reviewed() {
			continue
		}
		_, selfOK := day[p.ID]
		_, mgrOK := day[p.ManagerID]
		if (selfOK || mgrOK) && !n.PhasesOnly {
			reviewed = append(reviewed, p.ID)
		}
	}
	for lo := 0; lo < len(reviewed); lo += sweepChunk {
		ids := reviewed[lo:min(lo+sweepChunk, len(reviewed))]
		years, err := n.Store.DueStates(ctx, fy, ids)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			p, y := byID[id], years[id]
			if y.Year == 0 {
				y.Year = fy
			}
			for _, it := range n.Cal.Due(y, now) {
				to := p.ID
				if it.Whose == review.RoleManager {
					to = p.ManagerID
				}
				if _, ok := day[to]; !ok {
					continue
				}
				lines[to] = append(lines[to], NudgeLine{Item: it, About: p, Year: y.About(it), Key: review.ReminderKey(fy, p.ID, it)})
			}
		}
	}
	// Openings of the year go to everyone they concern, once, in their
	// first reminder in the opening's window, whether or not anything is
	// due from them yet.
	phases := map[int64][]review.Phase{}
	for id, d := range day {
		p := byID[id]
		for _, ph := range review.Phases(fy, d) {
			if ph.For(p.Reviewed(), manages[id]) {
				phases[id] = append(phases[id], ph)
			}
		}
	}
	recipients := make([]int64, 0, len(lines))
	for id := range lines {
		recipients = append(recipients, id)
	}
	for id := range phases {
		if _, ok := lines[id]; !ok {
			recipients = append(recipients, id)
		}
	}
	sort.Slice(recipients, func(i, j int) bool { return recipients[i] < recipients[j] })
	last, err := n.Store.LastReminders(ctx, recipients)
	if err != nil {
		return nil, err
	}
	var out []Nudge
	for _, id := range recipients {
		today := day[id]
		var keep []NudgeLine
		for _, l := range lines[id] {
			seen := last[id][l.Key]
			if a := announced(l, n.Cal); a.After(seen) {
				seen = a
			}
			if review.Remind(l.Item, seen, today) {
				keep = append(keep, l)
			}
		}
		var news []review.Phase
		for _, ph := range phases[id] {
			if last[id][review.PhaseKey(fy, id, ph)].IsZero() {
				news = append(news, ph)
			}
		}
		if len(keep) == 0 && len(news) == 0 {
			continue
		}
		sort.SliceStable(keep, func(i, j int) bool {
			if keep[i].Item.Overdue != keep[j].Item.Overdue {
				return keep[i].Item.Overdue
			}
			return keep[i].Item.DueBy.Before(keep[j].Item.DueBy)
		})
		out = append(out, Nudge{Recipient: *byID[id], Day: today, Year: fy, Phases: news, Manages: manages[id], Lines: keep})
	}
	return out, nil
}

// announced is when another message already told the recipient about an
// item: the check-in DM asks for its confirmation, the expectations DM for
// goals. Zero when nothing did.
func announced(l NudgeLine, cal review.Calendar) review.Date {
	switch l.Item.Kind {
	case review.ItemConfirmation:
		for _, c := range l.Year.CheckIns {
			if c.ID == l.Item.CheckInID && !c.CreatedAt.IsZero() {
				return cal.Today(c.CreatedAt)
			}
		}
	case review.ItemGoals:
		for _, e := range l.Year.Expectations {
			if e.ID == l.Item.ExpectationID && !e.CreatedAt.IsZero() {
				return cal.Today(e.CreatedAt)
			}
		}
	}
	return review.Date{}
}

// SweepReport says what a sweep did.
type SweepReport struct {
	Nudges   []Nudge // planned
	Deferred int     // left for later: Do Not Disturb was on
	Queued   int     // queued now (the rest were queued before)
}

// recordBatch is how many nudges one transaction queues.
const recordBatch = 500

// Sweep plans the nudges due at now and, unless dryRun, leaves out people
// with Do Not Disturb on and queues the rest in the outbox, each at most
// once per person per day.
func (n *Nudger) Sweep(ctx context.Context, now time.Time, dryRun bool) (SweepReport, error) {
	var r SweepReport
	nudges, err := n.Plan(ctx, now)
	if err != nil || dryRun {
		r.Nudges = nudges
		return r, err
	}
	if n.DND != nil && len(nudges) > 0 {
		ids := make([]string, len(nudges))
		for i, x := range nudges {
			ids[i] = x.Recipient.SlackID
		}
		off, err := n.DND(ctx, ids)
		if err != nil {
			// Not knowing is no reason to stay silent all day: nudges go
			// out, as they would without the check.
			n.Log.Warn("do not disturb check failed; nudging anyway", "err", err)
		}
		kept := nudges[:0]
		for _, x := range nudges {
			if off[x.Recipient.SlackID] {
				r.Deferred++
				continue
			}
			kept = append(kept, x)
		}
		nudges = kept
	}
	r.Nudges = nudges
	for lo := 0; lo < len(nudges); lo += recordBatch {
		var batch []storage.NudgeRecord
		for _, x := range nudges[lo:min(lo+recordBatch, len(nudges))] {
			payload, err := n.Message(x)
			if err != nil {
				return r, err
			}
			keys := make([]string, 0, len(x.Lines)+len(x.Phases))
			for _, l := range x.Lines {
				keys = append(keys, l.Key)
			}
			for _, ph := range x.Phases {
				keys = append(keys, review.PhaseKey(x.Year, x.Recipient.ID, ph))
			}
			batch = append(batch, storage.NudgeRecord{
				Notification: storage.Notification{Key: x.Key(), Recipient: x.Recipient.SlackID, Kind: "nudge", Payload: payload},
				RecipientID:  x.Recipient.ID, Day: x.Day, ItemKeys: keys,
			})
		}
		q, err := n.Store.RecordNudges(ctx, batch)
		r.Queued += q
		if err != nil {
			return r, err
		}
	}
	return r, nil
}
