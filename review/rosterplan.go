package review

import "sort"

// RosterChange is an existing person whom a roster import changes.
type RosterChange struct {
	Person Person      // as stored now
	Entry  RosterEntry // as the file has them
	// Fields lists what changes besides the manager: "email", "name",
	// "unit", "hr", "slack_id", "tz", "hire_date", "reactivated".
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
// emails have been resolved to Slack users. A person is matched by email,
// or by Slack user when their email changed. People missing from the file
// are deactivated only when deactivateMissing is set.
func PlanRoster(current []Person, entries []RosterEntry, deactivateMissing bool) RosterPlan {
	byEmail := make(map[string]*Person, len(current))
	bySlack := make(map[string]*Person, len(current))
	emailOf := make(map[int64]string, len(current))
	for i := range current {
		p := &current[i]
		byEmail[p.Email] = p
		bySlack[p.SlackID] = p
		emailOf[p.ID] = p.Email
	}
	var plan RosterPlan
	inFile := map[int64]bool{}
	for _, e := range entries {
		p := byEmail[e.Email]
		if p == nil && e.SlackID != "" {
			p = bySlack[e.SlackID]
		}
		if p == nil {
			plan.Add = append(plan.Add, e)
			continue
		}
		inFile[p.ID] = true
		c := RosterChange{Person: *p, Entry: e, Moved: emailOf[p.ManagerID] != e.ManagerEmail}
		for _, f := range []struct {
			name    string
			changed bool
		}{
			{"email", p.Email != e.Email},
			{"name", p.Name != e.Name},
			{"unit", p.Unit != e.Unit},
			{"hr", p.HR != e.HR},
			{"slack_id", e.SlackID != "" && p.SlackID != e.SlackID},
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
	for _, p := range current {
		if !p.Active || inFile[p.ID] {
			continue
		}
		if deactivateMissing {
			plan.Deactivate = append(plan.Deactivate, p)
		} else {
			plan.Missing++
		}
	}
	sort.Slice(plan.Deactivate, func(i, j int) bool { return plan.Deactivate[i].Email < plan.Deactivate[j].Email })
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
