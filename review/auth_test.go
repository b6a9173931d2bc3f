package review

import (
	"strings"
	"testing"
)

func TestCan(t *testing.T) {
	boss := &Person{ID: 1, Name: "Boss", Active: true}
	mgr := &Person{ID: 2, Name: "Mona", ManagerID: 1, Active: true}
	emp := Person{ID: 3, Name: "Eli", ManagerID: 2, Active: true}
	peer := &Person{ID: 4, Name: "Pat", ManagerID: 1, Active: true}
	gone := Person{ID: 5, Name: "Gus", ManagerID: 2, Active: false}
	retired := &Person{ID: 2, Name: "Mona", ManagerID: 1, Active: false}
	hr := &Person{ID: 6, Name: "Hana", HR: true, Active: true}

	as := func(p *Person) Actor { return Actor{SlackID: "U", Person: p, HR: p != nil && p.HR} }
	self := Actor{SlackID: "U3", Person: &emp}
	hrOffRoster := Actor{SlackID: "UHR", HR: true}
	stranger := Actor{SlackID: "U9"}

	// The reasons a refusal gives, each a piece of its message.
	const (
		notOnRoster    = "You're not part of the MassPerform program yet"
		leaver         = "Gus is no longer in the program, so their review is closed."
		expByManager   = "Expectations are set by your manager."
		expOnlyManager = "Only Eli's current manager can set their expectations."
		goalsOwn       = "Only Eli can change their goals."
		logByManager   = "Check-ins are logged by your manager; you confirm them when they do."
		logOnlyManager = "Only Eli's current manager can log their check-ins or change their cadence."
		confirmOwn     = "Only Eli can confirm their own check-ins."
		planOwn        = "Only Eli can change theirs."
		reflectOwn     = "The reflection is the employee's own. Only Eli can write theirs."
		rateByManager  = "Your manager writes your wrap-up and rating."
		rateOnlyMgr    = "Only Eli's current manager can write their wrap-up."
		notYourTeam    = "Mona's team is not one of them."
		notYourReview  = "not Eli's."
		unknown        = "That isn't something you can do here."
	)
	tests := []struct {
		name   string
		actor  Actor
		act    Action
		target Person
		says   string // "" when allowed, else a piece of the refusal
	}{
		{"manager sets expectations", as(mgr), SetExpectations, emp, ""},
		{"skip-level cannot set expectations", as(boss), SetExpectations, emp, expOnlyManager},
		{"peer cannot set expectations", as(peer), SetExpectations, emp, expOnlyManager},
		{"employee cannot set own expectations", self, SetExpectations, emp, expByManager},
		{"HR cannot set expectations", as(hr), SetExpectations, emp, expOnlyManager},
		{"former manager who left cannot", as(retired), SetExpectations, emp, notOnRoster},
		{"an HR_USERS entry who left cannot act as the manager they were", Actor{SlackID: "U2", Person: retired, HR: true}, SetExpectations, emp, expOnlyManager},
		{"nobody sets expectations for a leaver", as(mgr), SetExpectations, gone, leaver},
		{"stranger cannot", stranger, SetExpectations, emp, notOnRoster},
		{"employee edits own goals", self, EditGoals, emp, ""},
		{"manager cannot edit goals", as(mgr), EditGoals, emp, goalsOwn},
		{"HR cannot edit goals", as(hr), EditGoals, emp, goalsOwn},
		{"employee sees own year", self, ViewYear, emp, ""},
		{"manager sees report", as(mgr), ViewYear, emp, ""},
		{"HR sees anyone", as(hr), ViewYear, emp, ""},
		{"HR_USERS entry off the roster sees", hrOffRoster, ViewYear, emp, ""},
		{"peer cannot see", as(peer), ViewYear, emp, notYourReview},
		{"skip-level does not see a year below their reports", as(boss), ViewYear, emp, notYourReview},
		{"stranger cannot see", stranger, ViewYear, emp, notOnRoster},
		{"manager logs a check-in", as(mgr), LogCheckIn, emp, ""},
		{"employee cannot log their own", self, LogCheckIn, emp, logByManager},
		{"skip-level cannot log", as(boss), LogCheckIn, emp, logOnlyManager},
		{"HR cannot log", as(hr), LogCheckIn, emp, logOnlyManager},
		{"manager sets the cadence", as(mgr), SetCadence, emp, ""},
		{"employee cannot set their cadence", self, SetCadence, emp, logByManager},
		{"peer cannot set the cadence", as(peer), SetCadence, emp, logOnlyManager},
		{"employee confirms their own", self, ConfirmCheckIn, emp, ""},
		{"manager cannot confirm for them", as(mgr), ConfirmCheckIn, emp, confirmOwn},
		{"HR cannot confirm for them", as(hr), ConfirmCheckIn, emp, confirmOwn},
		{"nobody confirms for a leaver", Actor{Person: &gone}, ConfirmCheckIn, gone, notOnRoster},
		{"a manager sees their own team", as(mgr), ViewTeam, *mgr, ""},
		{"skip-level sees the team below", as(boss), ViewTeam, *mgr, ""},
		{"HR sees any team", as(hr), ViewTeam, *mgr, ""},
		{"a peer does not", as(peer), ViewTeam, *mgr, notYourTeam},
		{"an employee does not see their manager's team", self, ViewTeam, *mgr, notYourTeam},
		{"employee writes their plan", self, EditPlan, emp, ""},
		{"manager cannot write it", as(mgr), EditPlan, emp, planOwn},
		{"HR cannot write it", as(hr), EditPlan, emp, planOwn},
		{"employee writes their reflection", self, Reflect, emp, ""},
		{"manager cannot write the reflection", as(mgr), Reflect, emp, reflectOwn},
		{"HR cannot write the reflection", as(hr), Reflect, emp, reflectOwn},
		{"HR_USERS entry off the roster cannot write it", hrOffRoster, Reflect, emp, reflectOwn},
		{"stranger cannot write the reflection", stranger, Reflect, emp, notOnRoster},
		{"no reflection for a leaver", Actor{SlackID: "U5", Person: &Person{ID: 5, Name: "Gus", ManagerID: 2, Active: true}}, Reflect, gone, leaver},
		{"manager rates", as(mgr), Rate, emp, ""},
		{"employee cannot rate themselves", self, Rate, emp, rateByManager},
		{"skip-level cannot rate", as(boss), Rate, emp, rateOnlyMgr},
		{"peer cannot rate", as(peer), Rate, emp, rateOnlyMgr},
		{"HR cannot rate", as(hr), Rate, emp, rateOnlyMgr},
		{"HR_USERS entry off the roster cannot rate", hrOffRoster, Rate, emp, rateOnlyMgr},
		{"former manager who left cannot rate", as(retired), Rate, emp, notOnRoster},
		{"nobody rates a leaver", as(mgr), Rate, gone, leaver},
		{"employee acknowledges their own review", self, Acknowledge, emp, ""},
		{"employee appeals their own rating", self, AppealRating, emp, ""},
		{"manager keeps the improvement plan", as(mgr), KeepPlan, emp, ""},
		{"employee does not keep their own plan", self, KeepPlan, emp, "Only Eli's current manager keeps their improvement plan."},
		{"HR does not keep the plan", as(hr), KeepPlan, emp, "Only Eli's current manager keeps their improvement plan."},
		{"manager cannot appeal for them", as(mgr), AppealRating, emp, "Only Eli can appeal their own rating."},
		{"HR cannot appeal for them", as(hr), AppealRating, emp, "Only Eli can appeal their own rating."},
		{"manager cannot acknowledge for them", as(mgr), Acknowledge, emp, "Only Eli can acknowledge their own review or respond to it."},
		{"HR cannot acknowledge for them", as(hr), Acknowledge, emp, "Only Eli can acknowledge their own review or respond to it."},
		{"anyone on the roster may ask to record a final conversation (CanHoldConversation decides)", as(peer), HoldConversation, emp, ""},
		{"HR_USERS entry off the roster records no conversation", hrOffRoster, HoldConversation, emp, notOnRoster},
		{"a former manager who left records no conversation", as(retired), HoldConversation, emp, notOnRoster},
		{"unknown action", as(mgr), Action("fire"), emp, unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Can(tt.actor, tt.act, tt.target)
			if tt.says == "" {
				if err != nil {
					t.Fatalf("Can = %v, want it allowed", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Can allowed it, want a refusal saying %q", tt.says)
			}
			if code := ErrorCode(err); code != EFORBIDDEN {
				t.Errorf("code = %q, want %q", code, EFORBIDDEN)
			}
			if msg := ErrorMessage(err); !strings.Contains(msg, tt.says) {
				t.Errorf("refusal %q does not say %q", msg, tt.says)
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

func TestAuditName(t *testing.T) {
	if got := (Actor{SlackID: "U0ELI"}).AuditName(); got != "U0ELI" {
		t.Errorf("a Slack user is recorded as %q", got)
	}
	if got := (Actor{}).AuditName(); got != "system" {
		t.Errorf("the program itself is recorded as %q, want system", got)
	}
}
