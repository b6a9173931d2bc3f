package review

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPlanRoster(t *testing.T) {
	current := []Person{
		{ID: 1, Email: "top@x.org", SlackID: "U1", Name: "Top", Unit: "A", Active: true, TZ: "America/New_York"},
		{ID: 2, Email: "mona@x.org", SlackID: "U2", Name: "Mona", Unit: "A", ManagerID: 1, Active: true},
		{ID: 3, Email: "eli@x.org", SlackID: "U3", Name: "Eli", Unit: "A", ManagerID: 2, Active: true},
		{ID: 4, Email: "old@x.org", SlackID: "U4", Name: "Old", Unit: "A", ManagerID: 1, Active: true},
		{ID: 5, Email: "back@x.org", SlackID: "U5", Name: "Back", Unit: "A", ManagerID: 1, Active: false},
		{ID: 6, Email: "renamed@x.org", SlackID: "U6", Name: "Ren", Unit: "A", ManagerID: 1, Active: true},
	}
	entries := []RosterEntry{
		{Email: "top@x.org", SlackID: "U1", Name: "Top", Unit: "A", TZ: "America/New_York"},
		{Email: "mona@x.org", SlackID: "U2", Name: "Mona Lee", Unit: "A", ManagerEmail: "top@x.org"},
		{Email: "eli@x.org", SlackID: "U3", Name: "Eli", Unit: "A", ManagerEmail: "top@x.org"},
		{Email: "back@x.org", SlackID: "U5", Name: "Back", Unit: "A", ManagerEmail: "top@x.org"},
		{Email: "ren.new@x.org", SlackID: "U6", Name: "Ren", Unit: "A", ManagerEmail: "top@x.org"},
		{Email: "new@x.org", SlackID: "U7", Name: "New", Unit: "B", ManagerEmail: "mona@x.org"},
	}

	plan := PlanRoster(current, entries, true)
	if diff := cmp.Diff(RosterSummary{Added: 1, Updated: 3, Moved: 1, Unchanged: 1, Deactivated: 1}, plan.Summary()); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	got := map[string][]string{}
	for _, c := range plan.Change {
		f := c.Fields
		if c.Moved {
			f = append(f, "manager")
		}
		got[c.Person.Email] = f
	}
	want := map[string][]string{
		"mona@x.org":    {"name"},
		"eli@x.org":     {"manager"},
		"back@x.org":    {"reactivated"},
		"renamed@x.org": {"email"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if len(plan.Deactivate) != 1 || plan.Deactivate[0].Email != "old@x.org" {
		t.Errorf("deactivate = %v", plan.Deactivate)
	}

	kept := PlanRoster(current, entries, false)
	if s := kept.Summary(); s.Deactivated != 0 || s.Missing != 1 {
		t.Errorf("without deactivation: %+v", s)
	}
}

func TestManagersFirst(t *testing.T) {
	in := []RosterEntry{
		{Email: "c@x", ManagerEmail: "b@x"},
		{Email: "b@x", ManagerEmail: "a@x"},
		{Email: "d@x", ManagerEmail: "a@x"},
		{Email: "a@x"},
	}
	out := ManagersFirst(in)
	pos := map[string]int{}
	for i, e := range out {
		pos[e.Email] = i
	}
	for _, e := range out {
		if e.ManagerEmail != "" && pos[e.ManagerEmail] > pos[e.Email] {
			t.Errorf("%s comes before its manager %s: %v", e.Email, e.ManagerEmail, out)
		}
	}
	if len(out) != len(in) {
		t.Errorf("lost entries: %v", out)
	}
}
