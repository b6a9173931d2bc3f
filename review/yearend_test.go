package review

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseHRRole(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want HRRole
		bad  bool
	}{
		{"", HRNone, false}, {"false", HRNone, false}, {" FALSE ", HRNone, false},
		{"agency", HRAgency, false}, {"Secretariat", HRSecretariat, false},
		{"hrd", HRD, false}, {"true", HRD, false}, {"chro", CHRO, false},
		{"payroll", HRNone, true}, {"hr", HRNone, true},
	} {
		got, err := ParseHRRole(tt.in)
		if got != tt.want || (err != nil) != tt.bad {
			t.Errorf("ParseHRRole(%q) = %v, %v; want %v, bad %v", tt.in, got, err, tt.want, tt.bad)
		}
		if err == nil && tt.in != "true" && !strings.EqualFold(strings.TrimSpace(tt.in), got.String()) && got != HRNone {
			t.Errorf("%v.String() = %q, does not read back as %q", got, got.String(), tt.in)
		}
	}
}

func TestHRScope(t *testing.T) {
	for _, tt := range []struct {
		role   HRRole
		unit   string
		scope  string
		ok     bool
		sees   []string
		blinds []string
	}{
		{HRNone, "EOHHS/HR", "", false, nil, nil},
		{HRAgency, "EOHHS/Public Health/Labs", "EOHHS/Public Health", true,
			[]string{"EOHHS/Public Health", "EOHHS/Public Health/Labs"}, []string{"EOHHS", "EOHHS/Revenue", "EOHHS/Public Healthy"}},
		{HRAgency, "EOHHS", "EOHHS", true, []string{"EOHHS/Revenue"}, []string{"EOTSS"}},
		{HRSecretariat, "EOHHS/HR", "EOHHS", true, []string{"EOHHS", "EOHHS/Revenue/Audit"}, []string{"EOTSS/HR", "EOHHSX"}},
		{HRD, "HRD/Central", "", true, []string{"EOHHS", "EOTSS/IT"}, nil},
		{CHRO, "HRD", "", true, []string{"EOHHS/Revenue"}, nil},
	} {
		scope, ok := tt.role.Scope(tt.unit)
		if scope != tt.scope || ok != tt.ok {
			t.Errorf("%v in %s: scope %q %v, want %q %v", tt.role, tt.unit, scope, ok, tt.scope, tt.ok)
		}
		for _, u := range tt.sees {
			if !InScope(scope, u) {
				t.Errorf("%v in %s does not see %s", tt.role, tt.unit, u)
			}
		}
		for _, u := range tt.blinds {
			if InScope(scope, u) {
				t.Errorf("%v in %s sees %s", tt.role, tt.unit, u)
			}
		}
		if tt.role.OrgWide() != (tt.role == HRD || tt.role == CHRO) {
			t.Errorf("%v.OrgWide() = %v", tt.role, tt.role.OrgWide())
		}
	}
}

func TestApprovalChain(t *testing.T) {
	full, bare := Chain{HasSecretariatHR: true, HasCHRO: true}, Chain{}
	for _, tt := range []struct {
		name     string
		chain    Chain
		role     HRRole
		unit     string
		st       Approval
		over     bool
		excepted bool
		want     string // "" allowed, else the error's code
	}{
		{"secretariat HR approves first", full, HRSecretariat, "EOHHS/HR", AwaitingSecretariat, false, false, ""},
		{"another secretariat's HR may not", full, HRSecretariat, "EOTSS/HR", AwaitingSecretariat, false, false, EFORBIDDEN},
		{"agency HR may not", full, HRAgency, "EOHHS/Revenue", AwaitingSecretariat, false, false, EFORBIDDEN},
		{"HRD waits for the secretariat", full, HRD, "HRD", AwaitingSecretariat, false, false, EFORBIDDEN},
		{"HRD stands in without secretariat HR", bare, HRD, "HRD", AwaitingSecretariat, false, false, ""},
		{"HRD approves second", full, HRD, "HRD", AwaitingHRD, false, false, ""},
		{"secretariat HR may not approve second", full, HRSecretariat, "EOHHS/HR", AwaitingHRD, false, false, EFORBIDDEN},
		{"the CHRO may do HRD's step", full, CHRO, "HRD", AwaitingHRD, false, false, ""},
		{"over the cap, no exception", full, HRSecretariat, "EOHHS/HR", AwaitingSecretariat, true, false, ECONFLICT},
		{"over the cap, excepted", full, HRSecretariat, "EOHHS/HR", AwaitingSecretariat, true, true, ""},
		{"already approved", full, HRD, "HRD", Approved, false, false, ECONFLICT},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.chain.CanApprove(tt.role, tt.unit, "EOHHS", tt.st, tt.over, tt.excepted)
			if got := codeOf(err); got != tt.want {
				t.Errorf("CanApprove = %v, want %q", err, tt.want)
			}
		})
	}
	if full.Holder(AwaitingSecretariat) != HRSecretariat || bare.Holder(AwaitingSecretariat) != HRD || full.Holder(AwaitingHRD) != HRD {
		t.Error("the wrong holders")
	}
	if full.CanExcept(CHRO) != nil || full.CanExcept(HRD) == nil || bare.CanExcept(HRD) != nil || bare.CanExcept(HRSecretariat) == nil {
		t.Error("exceptions: the CHRO, or HRD without one, and nobody else")
	}
	if AwaitingSecretariat.Next() != AwaitingHRD || AwaitingHRD.Next() != Approved || Approved.Next() != Approved {
		t.Error("the chain does not go secretariat, HRD, approved")
	}
}

func codeOf(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return "?"
}

func TestWorkdayWindows(t *testing.T) {
	var h Holidays // the Commonwealth's holidays
	y := DefaultYearEnd
	for _, tt := range []struct {
		name              string
		notice            string
		appeal, hearingOf string
		hearing, response string
		remind            string
	}{
		// Thursday Jul 1, 2027: Jul 3-4 a weekend, Jul 5 Independence Day observed.
		{"over the Fourth", "2027-07-01", "2027-07-09", "2027-07-09", "2027-07-30", "2027-07-16", "2027-07-09"},
		// Monday: a plain week.
		{"a plain week", "2027-07-12", "2027-07-19", "2027-07-19", "2027-08-09", "2027-07-26", "2027-07-19"},
		// Friday before Labor Day (Sep 6, 2027).
		{"over Labor Day", "2027-09-03", "2027-09-13", "2027-09-13", "2027-10-04", "2027-09-20", "2027-09-13"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			notice := mustDate(t, tt.notice)
			if got := y.AppealCloses(h, notice); got.String() != tt.appeal {
				t.Errorf("appeal closes %s, want %s", got, tt.appeal)
			}
			if got := y.HearingDue(h, mustDate(t, tt.hearingOf)); got.String() != tt.hearing {
				t.Errorf("hearing due %s, want %s", got, tt.hearing)
			}
			if got := y.ResponseCloses(h, notice); got.String() != tt.response {
				t.Errorf("response closes %s, want %s", got, tt.response)
			}
			if got := y.AcknowledgeReminderDue(h, notice); got.String() != tt.remind {
				t.Errorf("acknowledgement reminder %s, want %s", got, tt.remind)
			}
			closes := mustDate(t, tt.appeal)
			if err := y.CanAppeal(h, notice, closes); err != nil {
				t.Errorf("an appeal on its last day was refused: %v", err)
			}
			err := y.CanAppeal(h, notice, closes.AddDays(1))
			if codeOf(err) != ECONFLICT || !strings.Contains(err.Error(), closes.Human()) {
				t.Errorf("an appeal the day after: %v, want a refusal naming %s", err, closes.Human())
			}
		})
	}
	if got := h.AddWorkdays(mustDate(t, "2027-07-02"), 0); got.String() != "2027-07-02" {
		t.Errorf("no workdays after a day is the day: %s", got)
	}
	extra, _ := ParseHolidays("2027-07-05,2027-07-07") // the organisation's own list
	if got := y.AppealCloses(extra, mustDate(t, "2027-07-01")); got.String() != "2027-07-12" {
		t.Errorf("with its own list (Jul 5 and Jul 7), the appeal closes %s, want 2027-07-12", got)
	}
}

func mustDate(t *testing.T, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestAppealable(t *testing.T) {
	for _, tt := range []struct {
		scale Scale
		key   string
		want  bool
	}{
		{ProgramScale, "below", true}, {ProgramScale, "successful", false}, {ProgramScale, "exceptional", false},
		{ACESScale, "fails", true}, {ACESScale, "below", true}, {ACESScale, "fully_meets", false}, {ACESScale, "nope", false},
	} {
		if got := tt.scale.Appealable(tt.key); got != tt.want {
			t.Errorf("%s %s: appealable %v, want %v", tt.scale.Name, tt.key, got, tt.want)
		}
	}
}

func TestPlanImprovement(t *testing.T) {
	y := DefaultYearEnd
	today := mustDate(t, "2027-07-10")
	for _, tt := range []struct {
		name   string
		plan   ImprovementPlan
		date   string // the re-evaluation it gets
		fields []string
	}{
		{"the default 90 days", ImprovementPlan{Improve: "Close cases on time", Support: "Weekly coaching"}, "2027-10-08", nil},
		{"a chosen day", ImprovementPlan{Improve: "x", Support: "y", Reevaluate: mustDate(t, "2027-09-01")}, "2027-09-01", nil},
		{"six months to the day", ImprovementPlan{Improve: "x", Support: "y", Reevaluate: mustDate(t, "2028-01-10")}, "2028-01-10", nil},
		{"a day past six months", ImprovementPlan{Improve: "x", Support: "y", Reevaluate: mustDate(t, "2028-01-11")}, "", []string{FieldPlanDate}},
		{"today", ImprovementPlan{Improve: "x", Support: "y", Reevaluate: today}, "", []string{FieldPlanDate}},
		{"tomorrow", ImprovementPlan{Improve: "x", Support: "y", Reevaluate: today.AddDays(1)}, "2027-07-11", nil},
		{"blank", ImprovementPlan{Improve: "  ", Support: ""}, "", []string{FieldPlanImprove, FieldPlanSupport}},
		{"too long", ImprovementPlan{Improve: strings.Repeat("a", MaxWrapUpText+1), Support: "y"}, "", []string{FieldPlanImprove}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := y.PlanImprovement(today, tt.plan)
			fields := FieldErrors(err)
			if len(fields) != len(tt.fields) {
				t.Fatalf("fields %v, want %v", fields, tt.fields)
			}
			for _, f := range tt.fields {
				if fields[f] == "" {
					t.Errorf("no error for %s: %v", f, fields)
				}
			}
			if tt.fields == nil && got.Reevaluate.String() != tt.date {
				t.Errorf("re-evaluation %s, want %s", got.Reevaluate, tt.date)
			}
		})
	}
}

func TestLeave(t *testing.T) {
	y := DefaultYearEnd
	fy := FiscalYear(2027) // 2026-07-01 … 2027-06-30; six months is Jul 1 – Dec 31, 184 days
	for _, tt := range []struct {
		name     string
		leaves   []Leave
		days     int
		notRated bool
	}{
		{"none", nil, 0, false},
		{"exactly six months", []Leave{{From: mustDate(t, "2026-07-01"), To: mustDate(t, "2026-12-31")}}, 184, false},
		{"six months and a day", []Leave{{From: mustDate(t, "2026-07-01"), To: mustDate(t, "2027-01-01")}}, 185, true},
		{"since January, still on leave", []Leave{{From: mustDate(t, "2027-01-01")}}, 181, false},
		{"since December, still on leave", []Leave{{From: mustDate(t, "2026-12-01")}}, 212, true},
		{"overlapping stretches count once", []Leave{{From: mustDate(t, "2026-08-01"), To: mustDate(t, "2026-08-31")}, {From: mustDate(t, "2026-08-15"), To: mustDate(t, "2026-09-14")}}, 45, false},
		{"before the year", []Leave{{From: mustDate(t, "2025-01-01"), To: mustDate(t, "2026-06-30")}}, 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := LeaveDaysIn(tt.leaves, fy); got != tt.days {
				t.Errorf("%d days of leave, want %d", got, tt.days)
			}
			if got := y.NotRatedForLeave(tt.leaves, fy); got != tt.notRated {
				t.Errorf("not rated: %v, want %v", got, tt.notRated)
			}
		})
	}
	l := Leave{From: mustDate(t, "2027-01-04"), To: mustDate(t, "2027-01-08")}
	for d, want := range map[string]bool{"2027-01-03": false, "2027-01-04": true, "2027-01-08": true, "2027-01-09": false} {
		if OnLeave([]Leave{l}, mustDate(t, d)) != want {
			t.Errorf("on leave on %s: want %v", d, want)
		}
	}
}

func TestLiveYears(t *testing.T) {
	none := func(FiscalYear) bool { return false }
	closed2027 := func(fy FiscalYear) bool { return fy <= 2027 }
	for _, tt := range []struct {
		day    string
		closed func(FiscalYear) bool
		want   []FiscalYear
	}{
		{"2027-06-30", closed2027, []FiscalYear{2027}},
		{"2027-07-01", none, []FiscalYear{2027, 2028}},
		{"2027-09-30", none, []FiscalYear{2027, 2028}},
		{"2027-10-15", none, []FiscalYear{2027, 2028}},
		{"2027-07-02", closed2027, []FiscalYear{2028}},
	} {
		got := LiveYears(mustDate(t, tt.day), tt.closed)
		if len(got) != len(tt.want) || got[0] != tt.want[0] || got[len(got)-1] != tt.want[len(tt.want)-1] {
			t.Errorf("%s: live %v, want %v", tt.day, got, tt.want)
		}
	}
}

func TestPlanAppealAndDecision(t *testing.T) {
	y := DefaultYearEnd
	cal := Calendar{Loc: time.UTC}
	held := time.Date(2027, 7, 12, 15, 0, 0, 0, time.UTC) // a Monday: the window closes Monday July 19
	below := &WrapUp{Rating: "below", RatedAt: held, ApprovedAt: held, HeldAt: held}
	for _, tt := range []struct {
		name    string
		w       *WrapUp
		scale   Scale
		today   string
		reasons string
		code    string
		field   string
	}{
		{"in time", below, ProgramScale, "2027-07-15", "My Q3 work was missed", "", ""},
		{"on the last day", below, ProgramScale, "2027-07-19", "x", "", ""},
		{"a day late", below, ProgramScale, "2027-07-20", "x", ECONFLICT, ""},
		{"no reasons", below, ProgramScale, "2027-07-15", "  ", EINVALID, FieldAppealReasons},
		{"not released", &WrapUp{Rating: "below", ApprovedAt: held}, ProgramScale, "2027-07-15", "x", ECONFLICT, ""},
		{"not appealable", &WrapUp{Rating: "successful", ApprovedAt: held, HeldAt: held}, ProgramScale, "2027-07-15", "x", ECONFLICT, ""},
		{"fails to meet", &WrapUp{Rating: "fails", ApprovedAt: held, HeldAt: held, RatedAt: held}, ACESScale, "2027-07-13", "x", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, err := y.PlanAppeal(Holidays{}, cal, tt.scale, tt.w, mustDate(t, tt.today), tt.reasons)
			if codeOf(err) != tt.code || tt.field != "" && FieldErrors(err)[tt.field] == "" {
				t.Fatalf("PlanAppeal = %v, want %q %s", err, tt.code, tt.field)
			}
			if err == nil && (a.Rating != tt.w.Rating || a.FiledOn.String() != tt.today || a.HearingDue != y.HearingDue(Holidays{}, mustDate(t, tt.today))) {
				t.Errorf("appeal = %+v", a)
			}
		})
	}
	if _, err := y.PlanAppeal(Holidays{}, cal, ProgramScale, &WrapUp{Rating: "successful", ApprovedAt: held, HeldAt: held}, mustDate(t, "2027-07-13"), "x"); err == nil || !strings.Contains(err.Error(), "Only a Below Expectations rating") {
		t.Errorf("the refusal names what can be appealed: %v", err)
	}

	open := Appeal{Rating: "below", FiledOn: mustDate(t, "2027-07-15")}
	today := mustDate(t, "2027-07-30")
	for _, tt := range []struct {
		name, hearing, outcome, rating string
		fields                         []string
	}{
		{"upheld", "2027-07-28", AppealUpheld, "successful", nil},
		{"changed", "2027-07-30", AppealChanged, "successful", nil},
		{"changed to the same", "2027-07-28", AppealChanged, "below", []string{FieldNewRating}},
		{"changed to nothing", "2027-07-28", AppealChanged, "", []string{FieldNewRating}},
		{"no outcome", "2027-07-28", "", "", []string{FieldOutcome}},
		{"a hearing to come", "2027-07-31", AppealUpheld, "", []string{FieldHearingOn}},
		{"a hearing before the appeal", "2027-07-14", AppealUpheld, "", []string{FieldHearingOn}},
		{"no hearing", "", AppealUpheld, "", []string{FieldHearingOn}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var hearing Date
			if tt.hearing != "" {
				hearing = mustDate(t, tt.hearing)
			}
			got, err := PlanDecision(open, ProgramScale, today, hearing, tt.outcome, tt.rating)
			fields := FieldErrors(err)
			if len(fields) != len(tt.fields) {
				t.Fatalf("fields %v, want %v", fields, tt.fields)
			}
			for _, f := range tt.fields {
				if fields[f] == "" {
					t.Errorf("no error for %s", f)
				}
			}
			if tt.fields == nil {
				wantRating := tt.rating
				if tt.outcome == AppealUpheld {
					wantRating = ""
				}
				if got.Open() || got.Outcome != tt.outcome || got.NewRating != wantRating || got.DecidedOn != today || got.HearingOn != hearing {
					t.Errorf("decided = %+v", got)
				}
			}
		})
	}
	decided := open
	decided.Outcome, decided.DecidedOn = AppealUpheld, today
	if _, err := PlanDecision(decided, ProgramScale, today, today, AppealUpheld, ""); codeOf(err) != ECONFLICT {
		t.Errorf("deciding twice = %v", err)
	}
}

func TestPlanResponseAndAcknowledge(t *testing.T) {
	y := DefaultYearEnd
	cal := Calendar{Loc: time.UTC}
	held := time.Date(2027, 7, 12, 15, 0, 0, 0, time.UTC) // closes July 26
	released := &WrapUp{Rating: "successful", ApprovedAt: held, HeldAt: held}
	for _, tt := range []struct {
		name, today, text string
		w                 *WrapUp
		code              string
	}{
		{"in time", "2027-07-26", " Thanks ", released, ""},
		{"late", "2027-07-27", "Thanks", released, ECONFLICT},
		{"empty", "2027-07-13", "", released, EINVALID},
		{"too long", "2027-07-13", strings.Repeat("a", MaxWrapUpText+1), released, EINVALID},
		{"not released", "2027-07-13", "Thanks", &WrapUp{Rating: "successful", ApprovedAt: held}, ECONFLICT},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := y.PlanResponse(Holidays{}, cal, tt.w, mustDate(t, tt.today), tt.text)
			if codeOf(err) != tt.code || err == nil && got != strings.TrimSpace(tt.text) {
				t.Errorf("PlanResponse = %q, %v; want %q", got, err, tt.code)
			}
		})
	}
	if CanAcknowledge(released) != nil || codeOf(CanAcknowledge(&WrapUp{Rating: "successful"})) != ECONFLICT ||
		codeOf(CanAcknowledge(&WrapUp{Rating: "successful", ApprovedAt: held, HeldAt: held, AcknowledgedAt: held})) != ECONFLICT {
		t.Error("acknowledging: once, after release")
	}
}

func TestClosingItems(t *testing.T) {
	fy := FiscalYear(2027)
	items := []Item{
		{Kind: ItemConfirmation, CheckInID: 1}, {Kind: ItemWrapUp, Whose: RoleManager, Overdue: true},
		{Kind: ItemCheckIn, Quarter: 4, Overdue: true}, {Kind: ItemExpectations}, {Kind: ItemGoals}, {Kind: ItemReflection}, {Kind: ItemFirstCheckIn},
	}
	for _, tt := range []struct {
		day  string
		want []ItemKind
	}{
		{"2027-07-02", []ItemKind{ItemConfirmation, ItemWrapUp}},
		{"2027-09-30", []ItemKind{ItemConfirmation, ItemWrapUp}},
		{"2027-10-01", []ItemKind{ItemConfirmation}},
	} {
		var got []ItemKind
		for _, it := range ClosingItems(items, fy, mustDate(t, tt.day)) {
			got = append(got, it.Kind)
		}
		if strings.Join(kinds(got), ",") != strings.Join(kinds(tt.want), ",") {
			t.Errorf("%s: %v, want %v", tt.day, got, tt.want)
		}
	}
}

func kinds(ks []ItemKind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}

func TestLeaveHoldsHarmless(t *testing.T) {
	cal := Calendar{Loc: time.UTC}
	at := func(day string) time.Time { return mustDate(t, day).In(time.UTC).Add(10 * time.Hour) }
	leave := func(from, to string) Leave {
		l := Leave{From: mustDate(t, from)}
		if to != "" {
			l.To = mustDate(t, to)
		}
		return l
	}
	base := YearState{ReviewID: 1, Year: 2027, Cadence: Quarterly}
	kinds := func(items []Item) string {
		var out []string
		for _, it := range items {
			s := string(it.Kind)
			if it.Overdue {
				s += "!"
			}
			out = append(out, s+"@"+it.DueBy.String())
		}
		return strings.Join(out, " ")
	}
	for _, tt := range []struct {
		name   string
		leaves []Leave
		day    string
		want   string
	}{
		{"no leave: expectations overdue", nil, "2026-10-20", "first_checkin!@2026-09-30 expectations!@2026-09-30"},
		{"on leave now: nothing due", []Leave{leave("2026-10-01", "")}, "2026-10-20", ""},
		{"back from a leave over the deadline: due GraceDays on", []Leave{leave("2026-09-01", "2026-10-15")}, "2026-10-20", "first_checkin@2026-11-14 expectations@2026-11-14"},
		{"and overdue after that", []Leave{leave("2026-09-01", "2026-10-15")}, "2026-11-15", "first_checkin!@2026-11-14 expectations!@2026-11-14"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			y := base
			y.Leaves = tt.leaves
			if got := kinds(cal.Due(y, at(tt.day))); got != tt.want {
				t.Errorf("due: %q, want %q", got, tt.want)
			}
		})
	}

	// A quarter mostly on leave owes no check-in.
	y := base
	y.Leaves = []Leave{leave("2026-10-01", "2026-11-20")} // 51 of Q2's 92 days
	if req := y.RequiredQuarters(); req[2] || !req[1] || !req[3] {
		t.Errorf("required quarters with Q2 mostly on leave: %v", req)
	}
	y.Leaves = []Leave{leave("2026-10-01", "2026-11-14")} // 45 of 92
	if req := y.RequiredQuarters(); !req[2] {
		t.Errorf("Q2 less than half on leave is still owed: %v", req)
	}

	// More than six months on leave: no wrap-up in June.
	y = base
	y.Expectations = []Expectation{{ID: 1, Text: "x"}}
	y.Goals = []Goal{{ID: 1, ExpectationID: 1}}
	y.Leaves = []Leave{leave("2026-12-01", "2027-06-10")}
	for _, it := range cal.Due(y, at("2027-06-20")) {
		if it.Kind == ItemWrapUp {
			t.Errorf("a wrap-up is due for someone not rated for leave: %+v", it)
		}
	}
	y.Leaves = []Leave{leave("2027-01-04", "2027-06-10")}
	found := false
	for _, it := range cal.Due(y, at("2027-06-20")) {
		found = found || it.Kind == ItemWrapUp
	}
	if !found {
		t.Error("five months of leave: the wrap-up is still due")
	}
}

func TestPlanReevaluation(t *testing.T) {
	y := DefaultYearEnd
	today := mustDate(t, "2027-10-08")
	open := ImprovementPlan{ID: 7, Reevaluate: today, Improve: "x", Support: "y"}
	for _, tt := range []struct {
		name    string
		outcome PlanOutcome
		next    string
		field   string
		closed  bool
	}{
		{"improved", PlanImproved, "", "", true},
		{"not yet", PlanNotYet, "", "", true},
		{"extended", PlanExtended, "2027-12-01", "", false},
		{"extended to six months", PlanExtended, "2028-04-08", "", false},
		{"extended too far", PlanExtended, "2028-04-09", FieldPlanNewDate, false},
		{"extended to today", PlanExtended, "2027-10-08", FieldPlanNewDate, false},
		{"extended without a day", PlanExtended, "", FieldPlanNewDate, false},
		{"no outcome", "", "", FieldPlanOutcome, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var next Date
			if tt.next != "" {
				next = mustDate(t, tt.next)
			}
			got, err := y.PlanReevaluation(open, today, tt.outcome, next)
			if tt.field != "" {
				if FieldErrors(err)[tt.field] == "" {
					t.Fatalf("want an error on %s: %v", tt.field, err)
				}
				return
			}
			if err != nil || got.Open() == tt.closed || got.Outcome != tt.outcome {
				t.Fatalf("re-evaluated = %+v, %v", got, err)
			}
			if tt.outcome == PlanExtended && got.Reevaluate != next {
				t.Errorf("new day %s, want %s", got.Reevaluate, next)
			}
		})
	}
	closed := open
	closed.ClosedOn = today
	if _, err := y.PlanReevaluation(closed, today, PlanImproved, Date{}); codeOf(err) != ECONFLICT {
		t.Errorf("re-evaluating a closed plan = %v", err)
	}

	// Due: the plan's re-evaluation is the manager's, overdue after its day.
	cal := Calendar{Loc: time.UTC}
	ys := YearState{ReviewID: 1, Year: 2028, Cadence: Quarterly, Plans: []ImprovementPlan{open}}
	var plan *Item
	for _, it := range cal.Due(ys, time.Date(2027, 10, 9, 10, 0, 0, 0, time.UTC)) {
		if it.Kind == ItemPlanReview {
			plan = &it
		}
	}
	if plan == nil || plan.Whose != RoleManager || !plan.Overdue || plan.PlanID != 7 || plan.DueBy != today {
		t.Errorf("the plan's item = %+v", plan)
	}
	if k := ReminderKey(2028, 1, *plan); k != "2028:1:plan_review:7:2027-10-08" {
		t.Errorf("reminder key %q", k)
	}
}

func TestAcknowledgeReminder(t *testing.T) {
	cal := Calendar{Loc: time.UTC}
	held := time.Date(2027, 7, 12, 15, 0, 0, 0, time.UTC) // reminded from July 19; a response until July 26
	y := YearState{ReviewID: 1, Year: 2027, WrapUp: &WrapUp{Rating: "successful", RatedAt: held, ApprovedAt: held, HeldAt: held}}
	at := func(day string) time.Time { return mustDate(t, day).In(time.UTC).Add(10 * time.Hour) }
	ack := func(y YearState, day string) *Item {
		for _, it := range ClosingItems(cal.Due(y, at(day)), 2027, mustDate(t, day)) {
			if it.Kind == ItemAcknowledge {
				return &it
			}
		}
		return nil
	}
	for day, want := range map[string]bool{"2027-07-16": false, "2027-07-19": true, "2027-07-26": true, "2027-07-27": false} {
		if got := ack(y, day); (got != nil) != want || got != nil && (got.Overdue || got.Whose != RoleEmployee || got.DueBy.String() != "2027-07-26") {
			t.Errorf("%s: acknowledgement item %+v, want one: %v", day, got, want)
		}
	}
	seen := y
	w := *y.WrapUp
	w.AcknowledgedAt = held
	seen.WrapUp = &w
	if ack(seen, "2027-07-20") != nil {
		t.Error("reminded after acknowledging")
	}
}

// Every HR role sees, as HR, its own part of the organisation and nothing
// beyond it: a person's year, a manager's team, a rating.
func TestHRScopeByRole(t *testing.T) {
	dir := NewHRDirectory([]string{"U0LIST", "listed@x.org"})
	mgr := Person{ID: 1, Name: "Mo", Unit: "EOHHS/DPH", Active: true, ManagerID: 9}
	emp := Person{ID: 2, Name: "Em", Unit: "EOHHS/DPH/Lab", ManagerID: 1, Active: true}
	away := Person{ID: 3, Name: "Al", Unit: "EOTSS/MassIT", ManagerID: 8, Active: true}
	next := Person{ID: 4, Name: "Ned", Unit: "EOHHS/DMH", ManagerID: 7, Active: true}
	w := &WrapUp{RaterID: 1, Rating: "successful", RatedAt: time.Now()}
	hr := func(role HRRole, unit string) Actor {
		p := Person{ID: 50, SlackID: "U0HR", Email: "hr@x.org", Unit: unit, Active: true, HR: role != HRNone, HRRole: role}
		return dir.Actor("U0HR", &p)
	}
	listed := Person{ID: 51, SlackID: "U0L2", Email: "listed@x.org", Unit: "EOTSS/HR", Active: true}
	oldHR := Person{ID: 52, SlackID: "U0OLD", Unit: "EOTSS/HR", Active: true, HR: true}
	for _, tt := range []struct {
		name  string
		actor Actor
		scope string
		sees  map[string]bool // by the target's name
	}{
		{"agency HR sees their agency", hr(HRAgency, "EOHHS/DPH/HR"), "EOHHS/DPH", map[string]bool{"Em": true, "Mo": true, "Al": false, "Ned": false}},
		{"secretariat HR sees their secretariat", hr(HRSecretariat, "EOHHS/HR"), "EOHHS", map[string]bool{"Em": true, "Mo": true, "Al": false, "Ned": true}},
		{"HRD sees everyone", hr(HRD, "ANF/HRD"), "", map[string]bool{"Em": true, "Mo": true, "Al": true, "Ned": true}},
		{"the CHRO sees everyone", hr(CHRO, "ANF"), "", map[string]bool{"Em": true, "Mo": true, "Al": true, "Ned": true}},
		{"no role sees nobody's as HR", hr(HRNone, "EOHHS/DPH"), "", map[string]bool{"Em": false, "Mo": false, "Al": false, "Ned": false}},
		{"HR_USERS by Slack ID is HRD", dir.Actor("U0LIST", nil), "", map[string]bool{"Em": true, "Al": true}},
		{"HR_USERS by email is HRD", dir.Actor("U0L2", &listed), "", map[string]bool{"Em": true, "Al": true}},
		{"an hr of true before roles is HRD", dir.Actor("U0OLD", &oldHR), "", map[string]bool{"Em": true, "Al": true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.actor.Scope != tt.scope {
				t.Errorf("scope = %q, want %q", tt.actor.Scope, tt.scope)
			}
			for _, target := range []Person{mgr, emp, away, next} {
				want, ok := tt.sees[target.Name]
				if !ok {
					continue
				}
				if got := Can(tt.actor, ViewYear, target) == nil; got != want {
					t.Errorf("ViewYear(%s) = %v, want %v", target.Name, got, want)
				}
				if got := Can(tt.actor, ViewTeam, target) == nil; got != want {
					t.Errorf("ViewTeam(%s) = %v, want %v", target.Name, got, want)
				}
				rater := Person{ID: 1, ManagerID: 9}
				if got := CanSeeRating(tt.actor, target, rater, w); got != want {
					t.Errorf("CanSeeRating(%s) = %v, want %v", target.Name, got, want)
				}
			}
		})
	}
	if r := dir.Role("U0LIST", &Person{Active: true, HR: true, HRRole: CHRO}); r != CHRO {
		t.Errorf("HR_USERS made the CHRO %v", r)
	}
	if a := dir.Actor("U0NOBODY", nil); a.HR || a.HRFor("EOHHS") {
		t.Errorf("a stranger is HR: %+v", a)
	}
	if (Actor{HR: true}).HRRole() != HRD {
		t.Error("HR rights without a role are not HRD's")
	}
}

func TestCanAskException(t *testing.T) {
	full := Chain{HasSecretariatHR: true, HasCHRO: true}
	for _, tt := range []struct {
		name  string
		chain Chain
		role  HRRole
		unit  string
		st    Approval
		want  string
	}{
		{"the secretariat's HR asks", full, HRSecretariat, "EOHHS/HR", AwaitingSecretariat, ""},
		{"another secretariat's HR may not", full, HRSecretariat, "EOTSS/HR", AwaitingSecretariat, EFORBIDDEN},
		{"a secretariat HR who may not decide it is not asked", Chain{HasCHRO: true}, HRSecretariat, "EOHHS/HR", AwaitingSecretariat, EFORBIDDEN},
		{"agency HR may not", full, HRAgency, "EOHHS/DPH", AwaitingSecretariat, EFORBIDDEN},
		{"HRD may", full, HRD, "ANF", AwaitingSecretariat, ""},
		{"not after the first step", full, HRSecretariat, "EOHHS/HR", AwaitingHRD, ECONFLICT},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := codeOf(tt.chain.CanAskException(tt.role, tt.unit, "EOHHS", tt.st)); got != tt.want {
				t.Errorf("CanAskException = %q, want %q", got, tt.want)
			}
		})
	}
}
