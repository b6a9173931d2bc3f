// Package roster imports the program's roster from a CSV file: it checks
// the file as a whole, resolves every email to a Slack user within Slack's
// rate limits, and applies the changes in one transaction, or changes
// nothing at all.
package roster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
)

// Directory finds Slack users: one at a time by email (users.lookupByEmail,
// about 50 a minute) or the whole workspace page by page (users.list,
// 1,000 a page at about 20 pages a minute).
type Directory interface {
	GetUserByEmailContext(ctx context.Context, email string) (*slack.User, error)
	ForEachUser(ctx context.Context, fn func([]slack.User) error) error
}

// Store is where the roster lives.
type Store interface {
	People(ctx context.Context) ([]review.Person, error)
	ApplyRoster(ctx context.Context, actor string, today review.Date, plan review.RosterPlan, ns ...storage.Notification) error
	// BeginRoster starts storing an import's new people while Slack's
	// list is read: nil when the database can't (see storage.RosterDraft).
	BeginRoster(ctx context.Context, actor string, today review.Date) (*storage.RosterDraft, error)
}

// LookupLimit is the largest file resolved one email at a time. Bigger
// files are resolved from the paged user list: 50 lookups take a minute of
// Slack's budget, while a list of 100,000 users takes about five.
const LookupLimit = 50

// Options control an import.
type Options struct {
	Today             review.Date // effective date of manager changes
	DryRun            bool        // check and count, change nothing
	DeactivateMissing bool        // people missing from the file leave the program
	// Progress, if set, is told what the import is doing, a line to keep
	// at a time.
	Progress func(msg string)
	// Status, if set, is told after each page of Slack's user list how far
	// the reading is, with the time left: a line the next one replaces.
	// Without it, Progress is given one every 10 pages.
	Status func(line string)
	// Now is the clock the time left is measured with (time.Now if nil).
	Now func() time.Time
	// Handoff, if set, builds the message asking someone's former manager
	// for a hand-off note when the import moves them to another manager.
	Handoff func(employee, from, to review.Person) (storage.Notification, error)
}

// Result is what an import found and did.
type Result struct {
	People   int              // people in the file
	Problems []review.Problem // when any, nothing changed
	Summary  review.RosterSummary
	// Early is how many of the people added were stored while Slack's
	// list was still being read (on PostgreSQL; see storage.RosterDraft).
	Early int
}

// Import reads, checks, resolves and applies a roster file.
func Import(ctx context.Context, r io.Reader, dir Directory, store Store, opts Options) (Result, error) {
	progress := opts.Progress
	if progress == nil {
		progress = func(string) {}
	}
	status := opts.Status
	if status == nil {
		status = everyTenthPage(progress)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	entries, problems := review.ReadRoster(r)
	res := Result{People: len(entries), Problems: problems}
	if len(problems) > 0 {
		return res, nil
	}
	progress(fmt.Sprintf("Finding %s in Slack…", people(len(entries))))
	// Who is stored now does not depend on Slack: it is read while Slack's
	// list is. The plan made from it is applied in one transaction that
	// reads each changed person again, and where a person another import
	// added meanwhile breaks the Slack ID's uniqueness: nothing changes.
	stored := make(chan storedPeople, 1)
	storedCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		p, err := store.People(storedCtx)
		stored <- storedPeople{p, err}
	}()
	// New people are stored as Slack's list finds them (on PostgreSQL), in
	// a transaction that commits only with the rest of the import.
	var draft *drafting
	if !opts.DryRun && len(entries) > LookupLimit {
		draft = startDraft(ctx, store, opts.Today)
		defer draft.discard()
	}
	var found func([]review.RosterEntry)
	if draft != nil {
		found = draft.add
	}
	problems, err := resolve(ctx, entries, dir, progress, status, now, found)
	if err != nil {
		return res, err
	}
	if len(problems) > 0 {
		res.Problems = problems
		return res, nil
	}
	sp := <-stored
	current, err := sp.people, sp.err
	if err != nil {
		return res, err
	}
	plan := review.PlanRoster(current, entries, opts.DeactivateMissing)
	if len(plan.Problems) > 0 {
		res.Problems = plan.Problems
		return res, nil
	}
	res.Summary = plan.Summary()
	if opts.DryRun {
		return res, nil
	}
	handoffs, err := handoffRequests(current, entries, plan, opts.Handoff)
	if err != nil {
		return res, err
	}
	progress("Saving…")
	if d := draft.finish(); d != nil {
		early := d.Stored()
		if err := d.Apply(ctx, plan, handoffs...); err != nil {
			return res, err
		}
		res.Early = early
		return res, nil
	}
	return res, store.ApplyRoster(ctx, "roster import", opts.Today, plan, handoffs...)
}

// drafting stores new people in a storage.RosterDraft as Slack's list
// finds them, in a goroutine of its own, so that the next page is asked
// for as soon as Slack's budget allows, whatever the database's pace.
type drafting struct {
	draft    *storage.RosterDraft
	found    chan []review.RosterEntry
	done     chan struct{}
	err      error
	finished bool
}

// startDraft returns nil when the database has no draft to offer, or
// cannot begin one: the import then stores everything at the end.
func startDraft(ctx context.Context, store Store, today review.Date) *drafting {
	d, err := store.BeginRoster(ctx, "roster import", today)
	if err != nil || d == nil {
		return nil
	}
	w := &drafting{draft: d, found: make(chan []review.RosterEntry, 64), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for entries := range w.found {
			if w.err == nil {
				w.err = d.Add(entries)
			}
		}
	}()
	return w
}

// add hands over people just found in Slack, resolved.
func (w *drafting) add(entries []review.RosterEntry) {
	if w != nil {
		w.found <- entries
	}
}

// finish waits until everyone handed over is stored, and returns the
// draft; nil when it failed, and was dropped: the import then stores
// everything at the end.
func (w *drafting) finish() *storage.RosterDraft {
	if w == nil {
		return nil
	}
	if !w.finished {
		w.finished = true
		close(w.found)
		<-w.done
		if w.err != nil {
			w.draft.Discard()
		}
	}
	if w.err != nil {
		return nil
	}
	return w.draft
}

// discard drops the draft unless it was applied.
func (w *drafting) discard() {
	if w != nil {
		w.finish()
		w.draft.Discard()
	}
}

// handoffRequests asks the former manager of everyone the plan moves for a
// note to their new manager: unless the former manager is leaving, or the
// person now has no manager.
func handoffRequests(current []review.Person, entries []review.RosterEntry, plan review.RosterPlan, build func(employee, from, to review.Person) (storage.Notification, error)) ([]storage.Notification, error) {
	if build == nil {
		return nil, nil
	}
	byID := make(map[int64]review.Person, len(current))
	for _, p := range current {
		byID[p.ID] = p
	}
	byEmail := make(map[string]review.RosterEntry, len(entries))
	for _, e := range entries {
		byEmail[e.Email] = e
	}
	leaving := map[int64]bool{}
	for _, p := range plan.Deactivate {
		leaving[p.ID] = true
	}
	var ns []storage.Notification
	for _, c := range plan.Change {
		from, known := byID[c.Person.ManagerID]
		if !c.Moved || !known || !from.Active || leaving[from.ID] || c.Entry.ManagerEmail == "" {
			continue
		}
		e := byEmail[c.Entry.ManagerEmail]
		to := review.Person{ID: plan.Matched[e.Email], Name: e.Name, SlackID: e.SlackID, Email: e.Email}
		employee := c.Person
		employee.Name = c.Entry.Name
		n, err := build(employee, from, to)
		if err != nil {
			return nil, err
		}
		ns = append(ns, n)
	}
	return ns, nil
}

type storedPeople struct {
	people []review.Person
	err    error
}

// resolve fills in each entry's Slack user ID and time zone, and reports
// every email it could not use.
func resolve(ctx context.Context, entries []review.RosterEntry, dir Directory, progress, status func(string), now func() time.Time, found func([]review.RosterEntry)) ([]review.Problem, error) {
	var users map[string]*slack.User
	if len(entries) <= LookupLimit {
		users = map[string]*slack.User{}
		start := now()
		for i, e := range entries {
			if i > 0 {
				// About 50 a minute: a file of 50 takes one.
				perLookup := now().Sub(start) / time.Duration(i)
				status(fmt.Sprintf("Looked up %d of %s in Slack, %s", i, people(len(entries)), minutesLeft(time.Duration(len(entries)-i)*perLookup)))
			}
			u, err := dir.GetUserByEmailContext(ctx, e.Email)
			var se slack.SlackErrorResponse
			if errors.As(err, &se) && se.Err == "users_not_found" {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("look up line %d in Slack: %w", e.Line, err)
			}
			users[e.Email] = u
		}
	} else {
		m, err := readUserList(ctx, entries, dir, progress, status, now, found)
		if err != nil {
			return nil, err
		}
		users = m.users
	}
	return settle(entries, users), nil
}

// settle fills in each entry's Slack user ID and time zone from the
// account its email resolved to, and reports every email it cannot use.
func settle(entries []review.RosterEntry, users map[string]*slack.User) []review.Problem {
	var problems []review.Problem
	for i := range entries {
		e := &entries[i]
		u, ok := users[e.Email]
		switch {
		case !ok:
			problems = append(problems, review.Problem{Line: e.Line, Message: fmt.Sprintf("no Slack user has the email %s", e.Email)})
		case u.Deleted:
			problems = append(problems, review.Problem{Line: e.Line, Message: fmt.Sprintf("the Slack account of %s is deactivated", e.Email)})
		case u.IsBot:
			problems = append(problems, review.Problem{Line: e.Line, Message: fmt.Sprintf("%s belongs to a bot, not a person", e.Email)})
		default:
			e.SlackID, e.TZ = u.ID, u.TZ
		}
	}
	return problems
}

// everyTenthPage passes on the status lines of pages 10, 20, 30… of
// Slack's user list to progress, for a caller that takes no status line.
// The status lines start at the second page.
func everyTenthPage(progress func(string)) func(string) {
	lines := 0
	return func(line string) {
		if lines++; (lines+1)%progressEvery == 0 {
			progress(line)
		}
	}
}

// progressEvery is how many pages of Slack's user list go by between two
// progress lines, when nobody takes the status after each page.
const progressEvery = 10

// errAllFound stops the reading of Slack's user list: every email of the
// file has its live account.
var errAllFound = errors.New("every email of the file is found")

// readUserList matches the file's emails against Slack's user list, page
// by page, as fast as the workspace's budget lets pages be read (Tier 2),
// and stops as soon as every email has its live account: no later page
// can change the outcome then (see userMatch.complete). found (if not
// nil) is given the entries each page finds a live account for, with
// their Slack ID and time zone.
//
// status is told how far the reading is after every page from the second
// (the pace needs two), with the time left at the pace so far, measured
// on now; progress gets the lines to keep.
func readUserList(ctx context.Context, entries []review.RosterEntry, dir Directory, progress, status func(string), now func() time.Time, found func([]review.RosterEntry)) (*userMatch, error) {
	m := newUserMatch(entries)
	var first, last time.Time
	pages, pageSize := 0, 0
	err := dir.ForEachUser(ctx, func(page []slack.User) error {
		last = now()
		if pages == 0 {
			first = last
		}
		pages++
		pageSize = max(pageSize, len(page))
		live := m.add(page)
		if found != nil && len(live) > 0 {
			resolved := make([]review.RosterEntry, len(live))
			for i, at := range live {
				e := entries[at]
				u := m.users[e.Email]
				e.SlackID, e.TZ = u.ID, u.TZ
				resolved[i] = e
			}
			found(resolved)
		}
		if m.complete() {
			return errAllFound
		}
		if pages > 1 {
			perPage := last.Sub(first) / time.Duration(pages-1)
			status(readingProgress(pages, m.found, len(m.want), timeLeft(pages, m.found, len(m.want), pageSize, perPage)))
		}
		return nil
	})
	switch {
	case errors.Is(err, errAllFound):
		progress(fmt.Sprintf("Found all %s in %s of Slack's user list, so the rest is not needed.", people(len(m.want)), count(pages, "page", "pages")))
	case err != nil:
		return nil, fmt.Errorf("read Slack's user list: %w", err)
	default:
		progress(fmt.Sprintf("Read all %s of Slack's user list (%s of %s found).", count(pages, "page", "pages"), thousands(m.found), people(len(m.want))))
	}
	return m, nil
}

// userMatch matches the accounts of Slack's user list, page by page,
// against the emails of a file.
type userMatch struct {
	want  map[string]int         // the file's emails, lower case, and where they are in it
	users map[string]*slack.User // the account each email resolves to so far
	found int                    // emails resolved to a live (not deactivated) account
}

func newUserMatch(entries []review.RosterEntry) *userMatch {
	m := &userMatch{want: make(map[string]int, len(entries)), users: make(map[string]*slack.User, len(entries))}
	for i, e := range entries {
		m.want[e.Email] = i
	}
	return m
}

// add matches one page of accounts, and returns where in the file are the
// emails it found a live account for. A deactivated account may share an
// email with the live one that replaced it: the live one wins, on
// whichever page it comes.
func (m *userMatch) add(page []slack.User) (live []int) {
	for i := range page {
		email := strings.ToLower(page[i].Profile.Email)
		at, wanted := m.want[email]
		if !wanted {
			continue
		}
		if prev, seen := m.users[email]; seen && !prev.Deleted {
			continue
		}
		u := page[i]
		m.users[email] = &u
		if !u.Deleted {
			m.found++
			live = append(live, at)
		}
	}
	return live
}

// complete reports whether every email has its live account. Only a
// deactivated account is ever replaced, so from then on no page can
// change what any email resolves to, and the rest of the list need not be
// read. An email matched so far only to a deactivated account, or not at
// all, keeps the reading going to the end of the list.
func (m *userMatch) complete() bool { return m.found == len(m.want) }

// timeLeft estimates how long the rest of Slack's user list takes to
// read, at perPage a page: the pages still needed are at least the
// missing people over a page's size (pageSize accounts at most a page),
// and more when the file's people have been spread thinner than that so
// far, in the proportion of pages read to people found.
func timeLeft(pages, found, total, pageSize int, perPage time.Duration) time.Duration {
	missing := total - found
	if missing <= 0 || pageSize <= 0 {
		return 0
	}
	left := (missing + pageSize - 1) / pageSize
	if found > 0 {
		left = max(left, (missing*pages+found-1)/found)
	}
	return time.Duration(left) * perPage
}

// readingProgress is the line an import shows while it reads Slack's
// user list.
func readingProgress(pages, found, total int, left time.Duration) string {
	return fmt.Sprintf("Read %s of Slack's user list (%s of %s found), %s", count(pages, "page", "pages"), thousands(found), people(total), minutesLeft(left))
}

// minutesLeft says how long is left, to the minute.
func minutesLeft(left time.Duration) string {
	if left < time.Minute {
		return "less than a minute left"
	}
	return fmt.Sprintf("about %d min left", (left+30*time.Second)/time.Minute)
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return thousands(n) + " " + many
}

func people(n int) string { return count(n, "person", "people") }

// thousands writes n with a comma between thousands: 100,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
