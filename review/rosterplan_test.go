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

// TestPlanRosterFields: what an import changes for one stored person.
func TestPlanRosterFields(t *testing.T) {
	boss := Person{ID: 1, Email: "boss@x.org", SlackID: "U1", Name: "Boss", Unit: "A", Active: true}
	stored := Person{ID: 2, Email: "eli@x.org", SlackID: "U2", Name: "Eli", Unit: "A", ManagerID: 1, Active: true,
		TZ: "America/New_York", HireDate: d("2020-01-06")}
	same := RosterEntry{Email: "eli@x.org", SlackID: "U2", Name: "Eli", Unit: "A", ManagerEmail: "boss@x.org", HireDate: d("2020-01-06"), TZ: "America/New_York"}
	bossEntry := RosterEntry{Email: "boss@x.org", SlackID: "U1", Name: "Boss", Unit: "A"}
	newBoss := RosterEntry{Email: "new.boss@x.org", SlackID: "U7", Name: "New Boss", Unit: "A", ManagerEmail: "boss@x.org"}
	tests := []struct {
		name   string
		edit   func(e *RosterEntry)
		fields []string // nil and not moved: unchanged
		moved  bool
	}{
		{"nothing new", func(*RosterEntry) {}, nil, false},
		{"Slack has a new time zone", func(e *RosterEntry) { e.TZ = "America/Chicago" }, []string{"tz"}, false},
		{"Slack gave no time zone: the stored one stays", func(e *RosterEntry) { e.TZ = "" }, nil, false},
		{"a new name and unit", func(e *RosterEntry) { e.Name, e.Unit = "Eli Ortiz", "B" }, []string{"name", "unit"}, false},
		{"HR rights", func(e *RosterEntry) { e.HR = true }, []string{"hr"}, false},
		{"a corrected hire date", func(e *RosterEntry) { e.HireDate = d("2020-01-13") }, []string{"hire_date"}, false},
		{"no hire date any more", func(e *RosterEntry) { e.HireDate = Date{} }, []string{"hire_date"}, false},
		{"now at the top of the tree", func(e *RosterEntry) { e.ManagerEmail = "" }, nil, true},
		{"a manager new to the roster", func(e *RosterEntry) { e.ManagerEmail = "new.boss@x.org" }, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := same
			tt.edit(&e)
			plan := PlanRoster([]Person{boss, stored}, []RosterEntry{bossEntry, newBoss, e}, false)
			if tt.fields == nil && !tt.moved {
				if len(plan.Change) != 0 || plan.Unchanged != 2 {
					t.Errorf("changes %+v, unchanged %d; want none", plan.Change, plan.Unchanged)
				}
				return
			}
			if len(plan.Change) != 1 {
				t.Fatalf("changes = %+v, want one", plan.Change)
			}
			c := plan.Change[0]
			if diff := cmp.Diff(tt.fields, c.Fields); diff != "" || c.Moved != tt.moved {
				t.Errorf("fields (-want +got):\n%s\nmoved = %v, want %v", diff, c.Moved, tt.moved)
			}
		})
	}
}

// TestPlanRosterEmailTakenOver: an email now held by another Slack user
// would hand one person's review to another while its holder is still in
// the program; it passes once the holder leaves or is in the file under
// another email.
func TestPlanRosterEmailTakenOver(t *testing.T) {
	boss := Person{ID: 1, Email: "boss@x.org", SlackID: "U1", Name: "Boss", Unit: "A", Active: true}
	old := Person{ID: 2, Email: "sam@x.org", SlackID: "U2", Name: "Sam Old", Unit: "A", ManagerID: 1, Active: true}
	bossEntry := RosterEntry{Line: 2, Email: "boss@x.org", SlackID: "U1", Name: "Boss", Unit: "A"}
	newSam := RosterEntry{Line: 3, Email: "sam@x.org", SlackID: "U9", Name: "Sam New", Unit: "A", ManagerEmail: "boss@x.org"}
	taken := Problem{3, "sam@x.org now belongs to another Slack user than Sam Old, who has it on the roster and is still in the program: " +
		"leave Sam Old out of the file and import with --deactivate-missing, or correct the email"}
	left := old
	left.Active = false
	tests := []struct {
		name       string
		current    []Person
		entries    []RosterEntry
		deactivate bool
		problems   []Problem
	}{
		{"the holder is still in the program", []Person{boss, old}, []RosterEntry{bossEntry, newSam}, false, []Problem{taken}},
		{"the holder leaves with --deactivate-missing", []Person{boss, old}, []RosterEntry{bossEntry, newSam}, true, nil},
		{"the holder left before", []Person{boss, left}, []RosterEntry{bossEntry, newSam}, false, nil},
		{"the holder is in the file under a new email", []Person{boss, old},
			[]RosterEntry{bossEntry, newSam, {Line: 4, Email: "sam.old@x.org", SlackID: "U2", Name: "Sam Old", Unit: "A", ManagerEmail: "boss@x.org"}}, false, nil},
		{"problems come in line order", []Person{boss, old}, []RosterEntry{bossEntry, newSam,
			{Line: 4, Email: "boss2@x.org", SlackID: "U1", Name: "Boss", Unit: "A"}}, false,
			[]Problem{taken, {4, "boss2@x.org is the same Slack user as boss@x.org on line 2"}}},
		{"a line with two problems has both, in the order found", []Person{boss, old}, []RosterEntry{bossEntry,
			{Line: 3, Email: "sam@x.org", SlackID: "U1", Name: "Boss", Unit: "A"}}, false,
			[]Problem{
				{3, "sam@x.org is the same Slack user as boss@x.org on line 2"},
				{3, "sam@x.org now belongs to another Slack user than Sam Old, who has it on the roster and is still in the program: " +
					"leave Sam Old out of the file and import with --deactivate-missing, or correct the email"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := PlanRoster(tt.current, tt.entries, tt.deactivate)
			if diff := cmp.Diff(tt.problems, plan.Problems); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPlanRosterDeactivatesInEmailOrder(t *testing.T) {
	current := []Person{
		{ID: 1, Email: "boss@x.org", SlackID: "U1", Active: true},
		{ID: 2, Email: "zed@x.org", SlackID: "U2", ManagerID: 1, Active: true},
		{ID: 3, Email: "amy@x.org", SlackID: "U3", ManagerID: 1, Active: true},
		{ID: 4, Email: "gone@x.org", SlackID: "U4", ManagerID: 1}, // left already
	}
	plan := PlanRoster(current, []RosterEntry{{Email: "boss@x.org", SlackID: "U1"}}, true)
	var got []string
	for _, p := range plan.Deactivate {
		got = append(got, p.Email)
	}
	if diff := cmp.Diff([]string{"amy@x.org", "zed@x.org"}, got); diff != "" {
		t.Errorf("deactivated (-want +got):\n%s", diff)
	}
}

// TestManagersFirstKeepsFileOrder: everyone comes after their manager,
// and people at the same depth keep the order of the file.
func TestManagersFirstKeepsFileOrder(t *testing.T) {
	in := []RosterEntry{
		{Email: "e3@x", ManagerEmail: "m2@x"},
		{Email: "m1@x", ManagerEmail: "top@x"},
		{Email: "e1@x", ManagerEmail: "m1@x"},
		{Email: "m2@x", ManagerEmail: "top@x"},
		{Email: "top@x"},
		{Email: "e2@x", ManagerEmail: "m1@x"},
		{Email: "other@x", ManagerEmail: "stored@x"}, // a manager already stored, not in the file
	}
	var got []string
	for _, e := range ManagersFirst(in) {
		got = append(got, e.Email)
	}
	want := []string{"top@x", "other@x", "m1@x", "m2@x", "e3@x", "e1@x", "e2@x"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}
