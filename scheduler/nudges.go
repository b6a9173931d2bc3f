package scheduler

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
)

// NudgeStore is what the nudge sweep reads and writes.
type NudgeStore interface {
	Members(ctx context.Context) ([]storage.Member, error)
	PeopleByID(ctx context.Context, ids []int64) ([]review.Person, error)
	PeopleDue(ctx context.Context, fy review.FiscalYear, ids []int64) ([]review.Person, map[int64]review.YearState, error)
	LastReminders(ctx context.Context, recipients []int64) (map[int64]map[string]review.Date, error)
	Snoozes(ctx context.Context, day review.Date) (map[int64]review.Date, error)
	RecordNudges(ctx context.Context, nudges []storage.NudgeRecord) (int, error)
	LiveYears(ctx context.Context, cal review.Calendar, now time.Time) ([]review.FiscalYear, error)
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
	// Progress, if set, is told after each page of people how many of
	// those the sweep may nudge now it has decided for, and of how many.
	Progress func(done, total int)
	// Notices, if set, queues the other notices due on the sweep's day
	// (merit pay's, on its effective date) after a sweep that is not a
	// dry run, and says how many it queued.
	Notices func(ctx context.Context, now time.Time) (int, error)

	pageSize int // sweepChunk when 0; tests make pages small
}

// sweepChunk is how many people the sweep decides for at a time: a page
// has at most this many recipients, and is closed early once this many of
// the years it needs (its recipients' own, and their reports') are due to
// be loaded; years are loaded this many at a time.
const sweepChunk = 1000

// chunk is how many people the sweep decides for at a time.
func (n *Nudger) chunk() int {
	if n.pageSize > 0 {
		return n.pageSize
	}
	return sweepChunk
}

// roster is the sweep's picture of the whole organisation, which is all it
// keeps from one page to the next: everyone on the roster in id order,
// whom they report to, and their day if now is a time to nudge them.
type roster struct {
	members []storage.Member
	days    []review.Date // the days people are on
	day     []int16       // each member's day (an index in days), or -1 when now is no time to nudge them
	// The reports of members[i] are members[j] for j in
	// reports[first[i]:first[i+1]], in id order.
	first   []int32
	reports []int32
	// closing is the year before the running one while HR has not closed
	// it (0 otherwise): its late wrap-ups and confirmations are reminded too.
	closing review.FiscalYear
}

// loadRoster reads the roster and works out who may be nudged at now: for
// whom it is a working day between 9:00 and 17:00 in their own time zone,
// and who has not snoozed. It returns nil when nobody may.
func (n *Nudger) loadRoster(ctx context.Context, now time.Time) (*roster, error) {
	members, err := n.Store.Members(ctx)
	if err != nil {
		return nil, err
	}
	r := &roster{members: members, day: make([]int16, len(members)), first: make([]int32, len(members)+1)}
	zones := map[string]int16{}
	nudgeable := 0
	for i, m := range members {
		d, ok := zones[m.TZ]
		if !ok {
			loc := n.Cal.Loc
			if m.TZ != "" {
				if l, err := time.LoadLocation(m.TZ); err == nil {
					loc = l
				}
			}
			d = -1
			if day, ok := n.Holidays.NudgeTime(now.In(loc)); ok {
				d = int16(slices.Index(r.days, day))
				if d < 0 {
					r.days = append(r.days, day)
					d = int16(len(r.days) - 1)
				}
			}
			zones[m.TZ] = d
		}
		r.day[i] = d
		if d >= 0 {
			nudgeable++
		}
	}
	if nudgeable == 0 {
		return nil, nil
	}
	snoozed, err := n.Store.Snoozes(ctx, n.Cal.Today(now).AddDays(-1))
	if err != nil {
		return nil, err
	}
	for id, until := range snoozed {
		if i, ok := r.index(id); ok && r.day[i] >= 0 && !r.days[r.day[i]].After(until) {
			r.day[i] = -1
		}
	}
	// Reports, grouped by manager: counted, then placed.
	boss := make([]int32, len(members))
	for i, m := range members {
		boss[i] = -1
		if j, ok := r.index(m.ManagerID); ok && m.ManagerID != 0 {
			boss[i] = int32(j)
			r.first[j+1]++
		}
	}
	for j := range members {
		r.first[j+1] += r.first[j]
	}
	r.reports = make([]int32, r.first[len(members)])
	next := slices.Clone(r.first[:len(members)])
	for i, j := range boss {
		if j >= 0 {
			r.reports[next[j]] = int32(i)
			next[j]++
		}
	}
	if !n.PhasesOnly {
		live, err := n.Store.LiveYears(ctx, n.Cal, now)
		if err != nil {
			return nil, err
		}
		if fy := n.Cal.Year(now); slices.Contains(live, fy-1) {
			r.closing = fy - 1
		}
	}
	return r, nil
}

// index returns where the person with this id is in the roster.
func (r *roster) index(id int64) (int, bool) {
	return slices.BinarySearchFunc(r.members, id, func(m storage.Member, id int64) int { return cmp.Compare(m.ID, id) })
}

// reportsOf returns the roster indexes of member i's reports.
func (r *roster) reportsOf(i int32) []int32 { return r.reports[r.first[i]:r.first[i+1]] }

// Plan decides the nudges due at now (see PlanEach) and returns them all.
func (n *Nudger) Plan(ctx context.Context, now time.Time) ([]Nudge, error) {
	var out []Nudge
	err := n.PlanEach(ctx, now, func(x Nudge) error {
		out = append(out, x)
		return nil
	})
	return out, err
}

// PlanEach decides the nudges due at now and calls each with them, in
// recipient id order: for each person for whom now is a working day
// between 9:00 and 17:00 in their own time zone, not snoozed, the items
// due from them (their own, and their reports' that are their move) that
// the rhythm says to remind today.
//
// It reads the roster's ids, managers and time zones once, then goes
// through the recipients a page at a time: for each page it reads the
// people in it and their direct reports with their years (in sets, a
// thousand at a time), decides the page's nudges and hands them over
// before the next page. A reviewed person's year is read with their own
// page, and again with their manager's when that is another page. Reading
// a page, routing its items and deciding its nudges go on at once for
// three pages in a row, so that the database and the two steps of the
// decision each have a core; no more than those three pages are held.
// Nothing is asked per person.
func (n *Nudger) PlanEach(ctx context.Context, now time.Time, each func(Nudge) error) error {
	r, err := n.loadRoster(ctx, now)
	if err != nil || r == nil {
		return err
	}
	// Three stages, a page apart: reading, routing, deciding.
	ctx, cancel := context.WithCancel(ctx)
	read, routed := make(chan pageRead), make(chan pageRead)
	var stages sync.WaitGroup
	stages.Go(func() {
		defer close(read)
		// Two pages are read at once, so that the database works on one
		// while this process takes in the other's rows; they are passed
		// on in order.
		pending := make(chan chan pageRead, readersAtOnce-1)
		rctx, stop := context.WithCancel(ctx)
		defer stop()
		var readers sync.WaitGroup
		readers.Go(func() {
			defer close(pending)
			for page := range r.pages(n.chunk(), n.PhasesOnly) {
				done := make(chan pageRead, 1)
				if !send(rctx, pending, done) {
					return
				}
				readers.Go(func() { done <- n.readPage(rctx, now, r, page) })
			}
		})
		defer readers.Wait()
		for done := range pending {
			p := <-done
			if !send(ctx, read, p) || p.err != nil {
				stop()
				for range pending {
				}
				return
			}
		}
	})
	stages.Go(func() {
		defer close(routed)
		for p := range read {
			if p.err == nil {
				n.route(now, r, &p)
			}
			if !send(ctx, routed, p) || p.err != nil {
				return
			}
		}
	})
	defer func() {
		cancel()
		for range routed {
		}
		stages.Wait()
	}()
	total, done := 0, 0
	if n.Progress != nil {
		for _, d := range r.day {
			if d >= 0 {
				total++
			}
		}
	}
	for p := range routed {
		if p.err != nil {
			return p.err
		}
		if err := n.decidePage(ctx, now, r, p, each); err != nil {
			return err
		}
		if done += len(p.page); n.Progress != nil {
			n.Progress(done, total)
		}
	}
	return ctx.Err()
}

// readersAtOnce is how many pages the sweep reads at the same time.
const readersAtOnce = 2

// send sends v on ch unless ctx ends first, and reports whether it did.
func send[T any](ctx context.Context, ch chan<- T, v T) bool {
	select {
	case ch <- v:
		return true
	case <-ctx.Done():
		return false
	}
}

// pages yields the recipients a page at a time (roster indexes, in
// order): up to size of them, fewer when the years they need (their own,
// and their reports') come to size first.
func (r *roster) pages(size int, phasesOnly bool) iter.Seq[[]int32] {
	return func(yield func([]int32) bool) {
		var page []int32
		load := 0
		for i := range r.members {
			if r.day[i] < 0 {
				continue
			}
			page = append(page, int32(i))
			if !phasesOnly {
				if r.members[i].ManagerID != 0 {
					load++
				}
				load += len(r.reportsOf(int32(i)))
			}
			if len(page) < size && load < size {
				continue
			}
			if !yield(page) {
				return
			}
			page, load = nil, 0
		}
		if len(page) > 0 {
			yield(page)
		}
	}
}

// pageRead is a page of recipients on its way through the sweep's stages:
// read (the people whose years it needs, with their years), then routed
// (the items due that are its recipients' move).
type pageRead struct {
	page []int32 // the recipients, roster indexes in order
	// The people whose years the page needs (its reviewed recipients',
	// for what is their move, and their reports', for what is the
	// manager's), with their years, a chunk at a time: load[k] are
	// the roster indexes of people[k]. Dropped once routed.
	load    [][]int32
	people  [][]review.Person
	years   []map[int64]review.YearState
	closing []map[int64]review.YearState // the closing year's, when one is live
	rest    []review.Person              // the recipients whose years were not read
	err     error

	recipient map[int64]*review.Person // the recipients, as they were read
	lines     map[int64][]NudgeLine    // the items routed to them
}

// readPage reads what deciding a page of recipients needs.
func (n *Nudger) readPage(ctx context.Context, now time.Time, r *roster, page []int32) pageRead {
	p := pageRead{page: page}
	var load []int32
	if !n.PhasesOnly {
		for _, i := range page {
			if r.members[i].ManagerID != 0 {
				load = append(load, i)
			}
			load = append(load, r.reportsOf(i)...)
		}
		slices.Sort(load)
		load = slices.Compact(load)
	}
	read := map[int32]bool{}
	for lo := 0; lo < len(load); lo += n.chunk() {
		chunk := load[lo:min(lo+n.chunk(), len(load))]
		ids := make([]int64, len(chunk))
		for k, i := range chunk {
			ids[k] = r.members[i].ID
			read[i] = true
		}
		people, years, err := n.Store.PeopleDue(ctx, n.Cal.Year(now), ids)
		if err != nil {
			p.err = err
			return p
		}
		var closing map[int64]review.YearState
		if r.closing != 0 {
			if _, closing, err = n.Store.PeopleDue(ctx, r.closing, ids); err != nil {
				p.err = err
				return p
			}
		}
		p.load, p.people, p.years = append(p.load, chunk), append(p.people, people), append(p.years, years)
		p.closing = append(p.closing, closing)
	}
	// The recipients whose years were not read: nobody reviews them, or
	// the sweep is a kickoff.
	var rest []int64
	for _, i := range page {
		if !read[i] {
			rest = append(rest, r.members[i].ID)
		}
	}
	p.rest, p.err = n.Store.PeopleByID(ctx, rest)
	return p
}

// route routes to a page's recipients the items due at now: the items of
// its reviewed people that are their move, and the items of their
// reports that are the manager's.
func (n *Nudger) route(now time.Time, r *roster, pr *pageRead) {
	fy := n.Cal.Year(now)
	pr.recipient = make(map[int64]*review.Person, len(pr.page))
	pr.lines = map[int64][]NudgeLine{}
	for _, i := range pr.page {
		pr.recipient[r.members[i].ID] = nil
	}
	for k := range pr.rest {
		pr.recipient[pr.rest[k].ID] = &pr.rest[k]
	}
	for c, people := range pr.people {
		chunk, years := pr.load[c], pr.years[c]
		k := 0 // chunk and people are both in id order
		for j := range people {
			p := &people[j]
			for r.members[chunk[k]].ID != p.ID {
				k++
			}
			if _, ok := pr.recipient[p.ID]; ok {
				pr.recipient[p.ID] = p
			}
			y := years[p.ID]
			if y.Year == 0 {
				y.Year = fy
			}
			// Routed by the roster as it was read, so that each item is
			// decided in exactly one page.
			for _, it := range n.Cal.Due(y, now) {
				to := p.ID
				if it.Whose == review.RoleManager {
					to = r.members[chunk[k]].ManagerID
				}
				if _, ok := pr.recipient[to]; !ok {
					continue
				}
				pr.lines[to] = append(pr.lines[to], NudgeLine{Item: it, About: p, Year: y.About(it), Key: review.ReminderKey(fy, p.ID, it)})
			}
			cy, ok := pr.closing[c][p.ID]
			if !ok || cy.ReviewID == 0 && cy.Since.After(cy.Year.End()) {
				// Not in the closing year's program. Someone who was, with
				// nothing recorded in it (who joined in June, say), still
				// owes its wrap-up.
				continue
			}
			for _, it := range review.ClosingItems(n.Cal.Due(cy, now), cy.Year, n.Cal.Today(now)) {
				to := p.ID
				if it.Whose == review.RoleManager {
					to = r.members[chunk[k]].ManagerID
				}
				if _, ok := pr.recipient[to]; !ok {
					continue
				}
				pr.lines[to] = append(pr.lines[to], NudgeLine{Item: it, About: p, Year: cy.About(it), Key: review.ReminderKey(cy.Year, p.ID, it)})
			}
		}
	}
	pr.load, pr.people, pr.years, pr.rest, pr.closing = nil, nil, nil, nil, nil
}

// decidePage decides the nudges of a routed page and calls each with them
// in order.
func (n *Nudger) decidePage(ctx context.Context, now time.Time, r *roster, pr pageRead, each func(Nudge) error) error {
	fy := n.Cal.Year(now)
	recipient, lines := pr.recipient, pr.lines
	// Openings of the year go to everyone they concern, once, in their
	// first reminder in the opening's window, whether or not anything is
	// due from them yet.
	phases := map[int64][]review.Phase{}
	var asked []int64
	for _, i := range pr.page {
		p := recipient[r.members[i].ID]
		if p == nil {
			continue
		}
		manages := len(r.reportsOf(i)) > 0
		for _, ph := range review.Phases(fy, r.days[r.day[i]]) {
			if ph.For(p.Reviewed(), manages) {
				phases[p.ID] = append(phases[p.ID], ph)
			}
		}
		if len(lines[p.ID]) > 0 || len(phases[p.ID]) > 0 {
			asked = append(asked, p.ID)
		}
	}
	last, err := n.Store.LastReminders(ctx, asked)
	if err != nil {
		return err
	}
	for _, i := range pr.page {
		id := r.members[i].ID
		p := recipient[id]
		if p == nil {
			continue // gone from the database since the roster was read
		}
		today := r.days[r.day[i]]
		keep := lines[id][:0] // kept in place: the page's lines are its own
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
		if len(keep) == 0 {
			if len(news) == 0 {
				continue
			}
			keep = nil
		}
		sort.SliceStable(keep, func(i, j int) bool {
			if keep[i].Item.Overdue != keep[j].Item.Overdue {
				return keep[i].Item.Overdue
			}
			return keep[i].Item.DueBy.Before(keep[j].Item.DueBy)
		})
		if err := each(Nudge{Recipient: *p, Day: today, Year: fy, Phases: news, Manages: len(r.reportsOf(i)) > 0, Lines: keep}); err != nil {
			return err
		}
	}
	return nil
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
	Nudges   []Nudge // planned, when Sweep keeps them
	Planned  int     // how many nudges were planned, not counting those deferred
	Deferred int     // left for later: Do Not Disturb was on
	Queued   int     // queued now (the rest were queued before)
	Notices  int     // other notices queued now (merit pay's)
}

// recordBatch is how many nudges one transaction queues, and the most the
// sweep holds at once before asking about Do Not Disturb and queueing.
const recordBatch = 500

// Sweep is SweepEach, keeping every nudge planned in the report.
func (n *Nudger) Sweep(ctx context.Context, now time.Time, dryRun bool) (SweepReport, error) {
	var nudges []Nudge
	r, err := n.SweepEach(ctx, now, dryRun, func(x Nudge) error {
		nudges = append(nudges, x)
		return nil
	})
	r.Nudges = nudges
	return r, err
}

// SweepEach plans the nudges due at now, a page of people at a time (see
// PlanEach) and, unless dryRun, leaves out people with Do Not Disturb on
// and queues the rest in the outbox, each at most once per person per
// day, recordBatch at a time as they are planned. It calls each, if not
// nil, with every nudge planned and not deferred, in recipient order, once
// it is queued (or found queued before); it keeps none of them.
func (n *Nudger) SweepEach(ctx context.Context, now time.Time, dryRun bool, each func(Nudge) error) (SweepReport, error) {
	var r SweepReport
	planned := func(x Nudge) error {
		r.Planned++
		if each == nil {
			return nil
		}
		return each(x)
	}
	if dryRun {
		return r, n.PlanEach(ctx, now, planned)
	}
	dnd := n.DND
	var batch []Nudge
	queue := func() error {
		if dnd != nil && len(batch) > 0 {
			ids := make([]string, len(batch))
			for i, x := range batch {
				ids[i] = x.Recipient.SlackID
			}
			off, err := dnd(ctx, ids)
			if err != nil {
				// Not knowing is no reason to stay silent all day: nudges
				// go out, as they would without the check, and Slack is
				// not asked again this sweep.
				n.Log.Warn("do not disturb check failed; nudging anyway", "err", err)
				dnd = nil
			}
			kept := batch[:0]
			for _, x := range batch {
				if off[x.Recipient.SlackID] {
					r.Deferred++
					continue
				}
				kept = append(kept, x)
			}
			batch = kept
		}
		records := make([]storage.NudgeRecord, 0, len(batch))
		for _, x := range batch {
			payload, err := n.Message(x)
			if err != nil {
				return err
			}
			keys := make([]string, 0, len(x.Lines)+len(x.Phases))
			for _, l := range x.Lines {
				keys = append(keys, l.Key)
			}
			for _, ph := range x.Phases {
				keys = append(keys, review.PhaseKey(x.Year, x.Recipient.ID, ph))
			}
			records = append(records, storage.NudgeRecord{
				Notification: storage.Notification{Key: x.Key(), Recipient: x.Recipient.SlackID, Kind: "nudge", Payload: payload},
				RecipientID:  x.Recipient.ID, Day: x.Day, ItemKeys: keys,
			})
		}
		if len(records) > 0 {
			q, err := n.Store.RecordNudges(ctx, records)
			r.Queued += q
			if err != nil {
				return err
			}
		}
		for _, x := range batch {
			if err := planned(x); err != nil {
				return err
			}
		}
		batch = batch[:0]
		return nil
	}
	err := n.PlanEach(ctx, now, func(x Nudge) error {
		batch = append(batch, x)
		if len(batch) < recordBatch {
			return nil
		}
		return queue()
	})
	if err == nil {
		err = queue()
	}
	if err == nil && n.Notices != nil && !n.PhasesOnly {
		var q int
		q, err = n.Notices(ctx, now)
		r.Notices = q
	}
	return r, err
}
