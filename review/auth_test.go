package review

import "testing"

func TestCan(t *testing.T) {
	boss := &Person{ID: 1, Name: "Boss", Active: true}
	mgr := &Person{ID: 2, Name: "Mona", ManagerID: 1, Active: true}
	emp := Person{ID: 3, Name: "Eli", ManagerID: 2, Active: true}
	peer := &Person{ID: 4, Name: "Pat", ManagerID: 1, Active: true}
	gone := Person{ID: 5, Name: "Gus", ManagerID: 2, Active: false}
	retired := &Person{ID: 2, Name: "Mona", ManagerID: 1, Active: false}
	hr := &Person{ID: 6, Name: "Hana", HR: true, Active: true}

	as := func(p *Person) Actor { return Actor{SlackID: "U", Person: p, HR: p != nil && p.HR} }
	tests := []struct {
		name   string
		actor  Actor
		act    Action
		target Person
		allow  bool
	}{
		{"manager sets expectations", as(mgr), SetExpectations, emp, true},
		{"skip-level cannot set expectations", as(boss), SetExpectations, emp, false},
		{"peer cannot set expectations", as(peer), SetExpectations, emp, false},
		{"employee cannot set own expectations", Actor{Person: &emp}, SetExpectations, emp, false},
		{"HR cannot set expectations", as(hr), SetExpectations, emp, false},
		{"former manager who left cannot", as(retired), SetExpectations, emp, false},
		{"nobody sets expectations for a leaver", as(mgr), SetExpectations, gone, false},
		{"stranger cannot", Actor{SlackID: "U9"}, SetExpectations, emp, false},
		{"employee edits own goals", Actor{Person: &emp}, EditGoals, emp, true},
		{"manager cannot edit goals", as(mgr), EditGoals, emp, false},
		{"HR cannot edit goals", as(hr), EditGoals, emp, false},
		{"employee sees own year", Actor{Person: &emp}, ViewYear, emp, true},
		{"manager sees report", as(mgr), ViewYear, emp, true},
		{"HR sees anyone", as(hr), ViewYear, emp, true},
		{"HR_USERS entry off the roster sees", Actor{SlackID: "UHR", HR: true}, ViewYear, emp, true},
		{"peer cannot see", as(peer), ViewYear, emp, false},
		{"manager logs a check-in", as(mgr), LogCheckIn, emp, true},
		{"employee cannot log their own", Actor{Person: &emp}, LogCheckIn, emp, false},
		{"skip-level cannot log", as(boss), LogCheckIn, emp, false},
		{"HR cannot log", as(hr), LogCheckIn, emp, false},
		{"manager sets the cadence", as(mgr), SetCadence, emp, true},
		{"peer cannot set the cadence", as(peer), SetCadence, emp, false},
		{"employee confirms their own", Actor{Person: &emp}, ConfirmCheckIn, emp, true},
		{"manager cannot confirm for them", as(mgr), ConfirmCheckIn, emp, false},
		{"HR cannot confirm for them", as(hr), ConfirmCheckIn, emp, false},
		{"nobody confirms for a leaver", Actor{Person: &gone}, ConfirmCheckIn, gone, false},
		{"a manager sees their own team", as(mgr), ViewTeam, *mgr, true},
		{"skip-level sees the team below", as(boss), ViewTeam, *mgr, true},
		{"HR sees any team", as(hr), ViewTeam, *mgr, true},
		{"a peer does not", as(peer), ViewTeam, *mgr, false},
		{"an employee does not see their manager's team", Actor{Person: &emp}, ViewTeam, *mgr, false},
		{"employee writes their plan", Actor{Person: &emp}, EditPlan, emp, true},
		{"manager cannot write it", as(mgr), EditPlan, emp, false},
		{"HR cannot write it", as(hr), EditPlan, emp, false},
		{"unknown action", as(mgr), Action("fire"), emp, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Can(tt.actor, tt.act, tt.target)
			if (err == nil) != tt.allow {
				t.Fatalf("Can = %v, want allow=%v", err, tt.allow)
			}
			if err != nil && (ErrorCode(err) != EFORBIDDEN || ErrorMessage(err) == "") {
				t.Errorf("refusal %v should be EFORBIDDEN with a message", err)
			}
		})
	}
}

func TestHRDirectory(t *testing.T) {
	h := NewHRDirectory([]string{" u0hr ", "Hr@Example.org", ""})
	tests := []struct {
		name string
		id   string
		p    *Person
		want bool
	}{
		{"listed id, off roster", "U0HR", nil, true},
		{"listed email", "U1", &Person{Email: "hr@example.org", Active: true}, true},
		{"listed email but left", "U1", &Person{Email: "hr@example.org", Active: false}, false},
		{"roster hr column", "U2", &Person{HR: true, Active: true}, true},
		{"nobody special", "U3", &Person{Active: true}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := h.IsHR(tt.id, tt.p); got != tt.want {
				t.Errorf("IsHR = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestReviewed(t *testing.T) {
	for _, tt := range []struct {
		p    Person
		want bool
	}{
		{Person{ManagerID: 1, Active: true}, true},
		{Person{ManagerID: 0, Active: true}, false},
		{Person{ManagerID: 1, Active: false}, false},
	} {
		if got := tt.p.Reviewed(); got != tt.want {
			t.Errorf("%+v.Reviewed() = %v", tt.p, got)
		}
	}
}
