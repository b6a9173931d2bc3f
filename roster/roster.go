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
	"strings"

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
	Progress          func(msg string)
	// Handoff, if set, builds the message asking someone's former manager
	// for a hand-off note when the import moves them to another manager.
	Handoff func(employee, from, to review.Person) (storage.Notification, error)
}

// Result is what an import found and did.
type Result struct {
	People   int              // people in the file
	Problems []review.Problem // when any, nothing changed
	Summary  review.RosterSummary
}

// Import reads, checks, resolves and applies a roster file.
func Import(ctx context.Context, r io.Reader, dir Directory, store Store, opts Options) (Result, error) {
	progress := opts.Progress
	if progress == nil {
		progress = func(string) {}
	}
	entries, problems := review.ReadRoster(r)
	res := Result{People: len(entries), Problems: problems}
	if len(problems) > 0 {
		return res, nil
	}
	progress(fmt.Sprintf("Finding %d people in Slack…", len(entries)))
	problems, err := resolve(ctx, entries, dir, progress)
	if err != nil {
		return res, err
	}
	if len(problems) > 0 {
		res.Problems = problems
		return res, nil
	}
	current, err := store.People(ctx)
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
	return res, store.ApplyRoster(ctx, "roster import", opts.Today, plan, handoffs...)
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

// resolve fills in each entry's Slack user ID and time zone, and reports
// every email it could not use.
func resolve(ctx context.Context, entries []review.RosterEntry, dir Directory, progress func(string)) ([]review.Problem, error) {
	users := map[string]*slack.User{}
	if len(entries) <= LookupLimit {
		for _, e := range entries {
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
		want := make(map[string]bool, len(entries))
		for _, e := range entries {
			want[e.Email] = true
		}
		pages := 0
		err := dir.ForEachUser(ctx, func(page []slack.User) error {
			pages++
			for i := range page {
				email := strings.ToLower(page[i].Profile.Email)
				// A deactivated account may share an email with the live one
				// that replaced it: the live one wins.
				if prev, seen := users[email]; want[email] && (!seen || prev.Deleted) {
					u := page[i]
					users[email] = &u
				}
			}
			if pages%10 == 0 {
				progress(fmt.Sprintf("Read %d pages of Slack's user list…", pages))
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read Slack's user list: %w", err)
		}
	}
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
	return problems, nil
}
