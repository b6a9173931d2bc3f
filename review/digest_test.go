package review

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDigest(t *testing.T) {
	cal := Calendar{Loc: time.UTC}
	now := d("2026-10-12").In(time.UTC).Add(14 * time.Hour) // Q2
	mona := Person{ID: 1, Name: "Mona", Active: true}
	pat := Person{ID: 5, Name: "Pat", Active: true}
	eli := Person{ID: 2, Name: "Eli", Unit: "A", ManagerID: 1, Active: true}
	zoe := Person{ID: 3, Name: "Zoe", Unit: "A", ManagerID: 1, Active: true}
	ana := Person{ID: 4, Name: "Ana", Unit: "B", ManagerID: 5, Active: true}
	gone := Person{ID: 6, Name: "Gone", Unit: "B", ManagerID: 5, Active: false}
	at := d("2026-08-10").In(time.UTC)
	done := YearState{Year: 2027, Expectations: []Expectation{{ID: 1, CreatedAt: at}}, Goals: []Goal{{ExpectationID: 1}},
		CheckIns: []CheckIn{{ID: 1, HeldOn: d("2026-08-10"), CreatedAt: at, Confirmation: &Confirmation{}}, {ID: 2, HeldOn: d("2026-10-05"), CreatedAt: d("2026-10-05").In(time.UTC), Confirmation: &Confirmation{}}},
		Plan:     &DevelopmentPlan{Shared: true}}
	nothing := YearState{Year: 2027}
	half := YearState{Year: 2027, Expectations: []Expectation{{ID: 2, CreatedAt: at}}, CheckIns: []CheckIn{{ID: 3, HeldOn: d("2026-08-20"), CreatedAt: d("2026-08-20").In(time.UTC)}}}

	b := NewDigest(cal, now)
	b.Add(&eli, &mona, done)
	b.Add(&zoe, &mona, nothing)
	b.Add(&ana, &pat, half)
	b.Add(&gone, &pat, nothing)
	b.AddNo(&ana, Answer{Stage: StageFirstCheckIn, Question: "met", AnsweredAt: at})
	b.AddNo(&eli, Answer{Stage: StageFirstCheckIn, Question: "cadence", AnsweredAt: at.Add(time.Hour)})
	dg := b.Build(2)

	org := dg.Org
	if org.People != 3 || org.Expectations != (Completion{2, 3}) || org.Goals != (Completion{1, 2}) || org.FirstCheckIn != (Completion{2, 3}) ||
		org.ThisQuarter != (Completion{1, 3}) || org.Confirmed != (Completion{2, 3}) || org.Plans != (Completion{1, 3}) || org.WrapUps != (Completion{}) {
		t.Errorf("org = %+v", org)
	}
	if a := dg.Units["A"]; a.People != 2 || a.Expectations.Rate() != 50 {
		t.Errorf("unit A = %+v", a)
	}
	if got := dg.UnitNames(); len(got) != 2 || got[0] != "A" {
		t.Errorf("units = %v", got)
	}
	// Zoe: expectations, first check-in overdue (Sep 30); Ana: a goal and
	// her confirmation (logged Aug 20) overdue.
	if len(dg.Overdue) != 2 || dg.Overdue[0].Manager.Name != "Mona" && dg.Overdue[0].Manager.Name != "Pat" || dg.OverdueCount() != 4 {
		t.Fatalf("overdue = %+v", dg.Overdue)
	}
	for _, m := range dg.Overdue {
		for _, o := range m.Items {
			if o.Person.Name == "Eli" || o.Person.Name == "Gone" || !o.Item.Overdue {
				t.Errorf("listed %s: %+v", o.Person.Name, o.Item)
			}
		}
	}
	if len(dg.No) != 2 || dg.No[0].Person.Name != "Eli" || dg.Failed != 2 {
		t.Errorf("no = %+v, failed %d", dg.No, dg.Failed)
	}
	if (Completion{}).Rate() != 100 || (Completion{1, 4}).Rate() != 25 {
		t.Error("rates")
	}
	june := NewDigest(cal, d("2027-06-10").In(time.UTC))
	june.Add(&eli, &mona, YearState{Year: 2027, WrapUp: &WrapUp{Rating: "successful"}})
	june.Add(&zoe, &mona, nothing)
	if w := june.Build(0).Org.WrapUps; w != (Completion{1, 2}) {
		t.Errorf("wrap-ups in June = %+v", w)
	}
}

// TestDigestFirstCheckIn: the first check-in's completion counts those
// whose first required quarter has reached its last day, and anyone who
// has already held one; someone with no quarter to owe is not counted.
func TestDigestFirstCheckIn(t *testing.T) {
	cal := Calendar{Loc: time.UTC}
	held := func(day string) YearState {
		return YearState{Year: 2027, CheckIns: []CheckIn{{ID: 1, First: true, HeldOn: d(day), CreatedAt: d(day).In(time.UTC)}}}
	}
	joined := func(day string) YearState { return YearState{Year: 2027, Since: d(day)} }
	tests := []struct {
		name  string
		day   string
		years []YearState
		want  Completion
	}{
		{"in August, one held early and one still in time", "2026-08-20", []YearState{held("2026-08-10"), {Year: 2027}}, Completion{1, 1}},
		{"on Sep 29 the one without is still in time", "2026-09-29", []YearState{held("2026-08-10"), {Year: 2027}}, Completion{1, 1}},
		{"on Sep 30, the last day of the quarter, both count", "2026-09-30", []YearState{held("2026-08-10"), {Year: 2027}}, Completion{1, 2}},
		{"on Oct 1 both count", "2026-10-01", []YearState{held("2026-08-10"), {Year: 2027}}, Completion{1, 2}},
		{"an off-cycle hire owes theirs by the end of Q2", "2026-10-12", []YearState{joined("2026-09-15")}, Completion{0, 0}},
		{"an off-cycle hire counts from Dec 31", "2026-12-31", []YearState{joined("2026-09-15")}, Completion{0, 1}},
		{"someone who joined in April owes theirs by June 30", "2027-06-30", []YearState{joined("2027-04-15")}, Completion{0, 1}},
		{"someone who joined in June owes none this year", "2027-06-30", []YearState{joined("2027-06-01")}, Completion{0, 0}},
		{"nobody", "2026-10-01", nil, Completion{0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mona := Person{ID: 1, Name: "Mona", Active: true}
			b := NewDigest(cal, d(tt.day).In(time.UTC).Add(9*time.Hour))
			for i, y := range tt.years {
				b.Add(&Person{ID: int64(10 + i), Name: "P", Unit: "A", ManagerID: 1, Active: true}, &mona, y)
			}
			if got := b.Build(0).Org.FirstCheckIn; got != tt.want {
				t.Errorf("first check-in = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestDigestOverdueOrder: managers with the most overdue come first (by
// name when even); under a manager, items go by person, then soonest due.
func TestDigestOverdueOrder(t *testing.T) {
	cal := Calendar{Loc: time.UTC}
	at := func(day string) time.Time { return d(day).In(time.UTC).Add(10 * time.Hour) }
	exp := []Expectation{{ID: 1, CreatedAt: at("2026-07-06")}}
	goals := []Goal{{ID: 1, ExpectationID: 1}}
	confirmed := CheckIn{ID: 1, First: true, HeldOn: d("2026-08-05"), CreatedAt: at("2026-08-05"), Confirmation: &Confirmation{}}
	// Ana: a confirmation due Sep 3, a goal due Sep 30 and Q2's check-in
	// due Dec 31, all overdue. Bea: a confirmation due Oct 15.
	ana := YearState{Year: 2027, Expectations: exp, CheckIns: []CheckIn{{ID: 2, First: true, HeldOn: d("2026-08-20"), CreatedAt: at("2026-08-20")}}}
	bea := YearState{Year: 2027, Expectations: exp, Goals: goals, CheckIns: []CheckIn{confirmed, {ID: 3, HeldOn: d("2026-10-01"), CreatedAt: at("2026-10-01")}}}
	// Cy and Di: Q2's check-in, due Dec 31.
	q2 := YearState{Year: 2027, Expectations: exp, Goals: goals, CheckIns: []CheckIn{confirmed}}

	mona := &Person{ID: 1, Name: "Mona", Active: true}
	pat := &Person{ID: 2, Name: "Pat", Active: true}
	abe := &Person{ID: 3, Name: "Abe", Active: true}
	b := NewDigest(cal, at("2027-01-10"))
	b.Add(&Person{ID: 11, Name: "Cy", Unit: "A", ManagerID: 2, Active: true}, pat, q2)
	b.Add(&Person{ID: 12, Name: "Bea", Unit: "A", ManagerID: 1, Active: true}, mona, bea)
	b.Add(&Person{ID: 13, Name: "Di", Unit: "A", ManagerID: 3, Active: true}, abe, q2)
	b.Add(&Person{ID: 14, Name: "Ana", Unit: "A", ManagerID: 1, Active: true}, mona, ana)
	dg := b.Build(0)

	type line struct {
		Person string
		Kind   ItemKind
		DueBy  string
	}
	got := map[string][]line{}
	var managers []string
	for _, m := range dg.Overdue {
		managers = append(managers, m.Manager.Name)
		for _, o := range m.Items {
			got[m.Manager.Name] = append(got[m.Manager.Name], line{o.Person.Name, o.Item.Kind, o.Item.DueBy.String()})
		}
	}
	if diff := cmp.Diff([]string{"Mona", "Abe", "Pat"}, managers); diff != "" {
		t.Errorf("managers (-want +got):\n%s", diff)
	}
	want := map[string][]line{
		"Mona": {
			{"Ana", ItemConfirmation, "2026-09-03"},
			{"Ana", ItemGoals, "2026-09-30"},
			{"Ana", ItemCheckIn, "2026-12-31"},
			{"Bea", ItemConfirmation, "2026-10-15"},
		},
		"Abe": {{"Di", ItemCheckIn, "2026-12-31"}},
		"Pat": {{"Cy", ItemCheckIn, "2026-12-31"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("overdue (-want +got):\n%s", diff)
	}
	if n := dg.OverdueCount(); n != 6 {
		t.Errorf("OverdueCount = %d, want 6", n)
	}
}

func TestCompletionRate(t *testing.T) {
	for _, tt := range []struct {
		c    Completion
		want float64
	}{
		{Completion{0, 0}, 100}, // nothing to do is all done
		{Completion{0, 4}, 0},
		{Completion{1, 4}, 25},
		{Completion{3, 4}, 75},
		{Completion{4, 4}, 100},
	} {
		if got := tt.c.Rate(); got != tt.want {
			t.Errorf("%d of %d = %v%%, want %v%%", tt.c.Done, tt.c.Of, got, tt.want)
		}
	}
}

// TestOverdueTrend: one point a week over today's quarter, each week's last
// digest, today's own count for this week; weeks without a digest and
// digests outside the quarter are left out.
func TestOverdueTrend(t *testing.T) {
	c := func(day string, n int) DigestCount { return DigestCount{Day: d(day), Overdue: n} }
	tests := []struct {
		name  string
		today string
		past  []DigestCount
		want  []DigestCount
	}{
		{"the first digest", "2026-10-05", nil, []DigestCount{c("2026-10-05", 7)}},
		{"week by week, missing weeks left out", "2026-10-26",
			[]DigestCount{c("2026-10-19", 4), c("2026-09-28", 9), c("2026-10-01", 2), c("2026-10-07", 3), c("2026-10-05", 5), c("2026-10-26", 1), c("2026-11-02", 8)},
			[]DigestCount{c("2026-10-01", 2), c("2026-10-07", 3), c("2026-10-19", 4), c("2026-10-26", 7)}},
		{"a run later in the week replaces Monday's", "2026-10-08", []DigestCount{c("2026-10-05", 5)}, []DigestCount{c("2026-10-08", 7)}},
		{"a new quarter starts afresh", "2027-01-04", []DigestCount{c("2026-12-28", 5), c("2026-12-21", 5)}, []DigestCount{c("2027-01-04", 7)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := OverdueTrend(d(tt.today), tt.past, 7)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("OverdueTrend (-want +got):\n%s", diff)
			}
		})
	}
	// A whole quarter of weekly digests fits a chart's 20 points.
	var past []DigestCount
	for day := d("2026-07-01"); day.Before(d("2026-09-30")); day = day.AddDays(1) {
		past = append(past, c(day.String(), 1))
	}
	if n := len(OverdueTrend(d("2026-09-30"), past, 0)); n != 14 {
		t.Errorf("a quarter of daily digests gives %d weeks, want 14", n)
	}
}
