package review

import (
	"fmt"
	"sort"
)

// RosterChange is an existing person whom a roster import changes.
type RosterChange struct {
	Person Person      // as stored now
	Entry  RosterEntry // as the file has them
	// Fields lists what changes besides the manager: "email", "name",
	// "unit", "hr", "tz", "hire_date", "reactivated".
	Fields []string
	// Moved is true when the person gets a new manager.
	Moved bool
}

// RosterPlan is what importing a checked, resolved roster changes.
type RosterPlan struct {
	Add        []RosterEntry
	Change     []RosterChange
	Unchanged  int
	Deactivate []Person // active people missing from the file, when asked to deactivate them
	Missing    int      // active people missing from the file, left as they are
	// Leaves are the entries that record a leave (Leave.From set), in the
	// file's order: each is recorded, or its end updated, once the people
	// are stored.
	Leaves []RosterEntry
	// Matched maps each email in the file that belongs to someone already
	// stored to their person id.
	Matched map[string]int64
	// Problems are lines the file cannot be imported with, given who is
	// stored already. When there are any, the plan must not be applied.
	Problems []Problem
}

// RosterSummary counts what an import did.
type RosterSummary struct {
	Added, Updated, Moved, Unchanged, Deactivated, Missing int
}

// Summary counts the plan. A person who is both updated and moved counts
// in both.
func (p RosterPlan) Summary() RosterSummary {
	s := RosterSummary{Added: len(p.Add), Unchanged: p.Unchanged, Deactivated: len(p.Deactivate), Missing: p.Missing}
	for _, c := range p.Change {
		if len(c.Fields) > 0 {
			s.Updated++
		}
		if c.Moved {
			s.Moved++
		}
	}
	return s
}

// PlanRoster compares the people stored now with a checked roster whose
// emails have been resolved to Slack users. A person is who their Slack
// user is: an email that now belongs to another Slack user is another
// person, and a person whose email changed keeps their history. People
// missing from the file are deactivated only when deactivateMissing is set.
//
// An email in the file that a different Slack user holds on the roster,
// and will still hold after the import, is a problem: it would give one
// person's review to another.
func PlanRoster(current []Person, entries []RosterEntry, deactivateMissing bool) RosterPlan {
	bySlack := make(map[string]*Person, len(current))
	activeByEmail := make(map[string]*Person, len(current))
	for i := range current {
		p := &current[i]
		bySlack[p.SlackID] = p
		if p.Active {
			activeByEmail[p.Email] = p
		}
	}
	plan := RosterPlan{Matched: map[string]int64{}}
	entryOf := map[int64]RosterEntry{} // the file's entry for each stored person in it
	for _, e := range entries {
		if p := bySlack[e.SlackID]; p != nil {
			if first, dup := entryOf[p.ID]; dup {
				plan.Problems = append(plan.Problems, Problem{e.Line, fmt.Sprintf("%s is the same Slack user as %s on line %d", e.Email, first.Email, first.Line)})
				continue
			}
			entryOf[p.ID] = e
			plan.Matched[e.Email] = p.ID
		}
	}
	for _, e := range entries {
		if !e.Leave.From.IsZero() {
			plan.Leaves = append(plan.Leaves, e)
		}
		p := bySlack[e.SlackID]
		if p == nil {
			plan.Add = append(plan.Add, e)
			continue
		}
		if entryOf[p.ID].Email != e.Email {
			continue // the same Slack user twice: reported above
		}
		newManager, known := plan.Matched[e.ManagerEmail]
		c := RosterChange{Person: *p, Entry: e, Moved: (e.ManagerEmail != "" && !known) || newManager != p.ManagerID}
		for _, f := range []struct {
			name    string
			changed bool
		}{
			{"email", p.Email != e.Email},
			{"name", p.Name != e.Name},
			{"unit", p.Unit != e.Unit},
			{"hr", p.HR != e.HR || p.HRRole != e.HRRole},
			{"tz", e.TZ != "" && p.TZ != e.TZ},
			{"hire_date", p.HireDate != e.HireDate},
			{"reactivated", !p.Active},
		} {
			if f.changed {
				c.Fields = append(c.Fields, f.name)
			}
		}
		if len(c.Fields) == 0 && !c.Moved {
			plan.Unchanged++
			continue
		}
		plan.Change = append(plan.Change, c)
	}
	leaving := map[int64]bool{}
	for _, p := range current {
		if _, inFile := entryOf[p.ID]; !p.Active || inFile {
			continue
		}
		if deactivateMissing {
			plan.Deactivate = append(plan.Deactivate, p)
			leaving[p.ID] = true
		} else {
			plan.Missing++
		}
	}
	for _, e := range entries {
		holder := activeByEmail[e.Email]
		if holder == nil || holder.SlackID == e.SlackID || leaving[holder.ID] {
			continue
		}
		if _, inFile := entryOf[holder.ID]; inFile {
			continue // they are in the file under another email
		}
		plan.Problems = append(plan.Problems, Problem{e.Line, fmt.Sprintf(
			"%s now belongs to another Slack user than %s, who has it on the roster and is still in the program: leave %s out of the file and import with --deactivate-missing, or correct the email",
			e.Email, holder.Name, holder.Name)})
	}
	sort.Slice(plan.Deactivate, func(i, j int) bool { return plan.Deactivate[i].Email < plan.Deactivate[j].Email })
	sort.SliceStable(plan.Problems, func(i, j int) bool { return plan.Problems[i].Line < plan.Problems[j].Line })
	return plan
}

// ManagersFirst orders entries so that everyone comes after their manager,
// so that people can be stored with their manager already known. The
// entries must have passed ReadRoster's checks (no cycles); entries whose
// manager is not among them come first.
func ManagersFirst(entries []RosterEntry) []RosterEntry {
	index := make(map[string]int, len(entries))
	for i, e := range entries {
		index[e.Email] = i
	}
	depth := make([]int, len(entries))
	for i := range depth {
		depth[i] = -1
	}
	var depthOf func(i int) int
	depthOf = func(i int) int {
		if depth[i] >= 0 {
			return depth[i]
		}
		m, ok := index[entries[i].ManagerEmail]
		if !ok {
			depth[i] = 0
		} else {
			depth[i] = depthOf(m) + 1
		}
		return depth[i]
	}
	out := make([]RosterEntry, len(entries))
	copy(out, entries)
	for i := range entries {
		depthOf(i)
	}
	d := make(map[string]int, len(entries))
	for i, e := range entries {
		d[e.Email] = depth[i]
	}
	sort.SliceStable(out, func(i, j int) bool { return d[out[i].Email] < d[out[j].Email] })
	return out
}
