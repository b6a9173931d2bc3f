package review

import (
	"testing"
	"time"
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
