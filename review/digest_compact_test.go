package review

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestDigestKeepsItemsWhole: the builder keeps overdue items small, and
// writes each out as Due and About made it: the item itself, what
// describes it, the person's id, name and unit; Listed writes out only
// each manager's first ones, and EachOverdue still gives them all, in the
// same order.
func TestDigestKeepsItemsWhole(t *testing.T) {
	cal := Calendar{Loc: time.UTC}
	now := d("2027-01-11").In(time.UTC).Add(14 * time.Hour)
	at := func(day string) time.Time { return d(day).In(time.UTC).Add(10 * time.Hour) }
	mona := &Person{ID: 1, Name: "Mona", Active: true}
	people := []*Person{
		{ID: 11, Name: "Ana", Unit: "EOHHS/Public Health", SlackID: "U11", ManagerID: 1, Active: true},
		{ID: 12, Name: "Bea", Unit: "EOHHS/Revenue", SlackID: "U12", ManagerID: 1, Active: true},
	}
	years := []YearState{
		{ReviewID: 7, Year: 2027, Cadence: Cadence{Weeks: 4},
			Expectations: []Expectation{{ID: 3, ReviewID: 7, Position: 1, Text: "Run the clinic portal", CreatedAt: at("2026-07-06")}, {ID: 4, ReviewID: 7, Position: 2, Text: "Other", CreatedAt: at("2026-07-06")}},
			Goals:        []Goal{{ID: 1, ExpectationID: 4}},
			CheckIns:     []CheckIn{{ID: 5, First: true, HeldOn: d("2026-08-20"), CreatedAt: at("2026-08-20")}}},
		{ReviewID: 8, Year: 2027, Cadence: Cadence{Monthly: true}},
	}
	type entry struct {
		Person Person
		Item   Item
		Year   YearState
	}
	var want []entry
	for i, p := range people {
		for _, it := range cal.Due(years[i], now) {
			if it.Overdue && it.Kind != ItemPlanReview {
				want = append(want, entry{Person{ID: p.ID, Name: p.Name, Unit: p.Unit}, it, years[i].About(it)})
			}
		}
	}
	if len(want) < 4 {
		t.Fatalf("only %d items overdue: %+v", len(want), want)
	}
	for _, listed := range []int{0, 2} {
		b := NewDigest(cal, now)
		b.Listed = listed
		for i, p := range people {
			b.Add(p, mona, years[i])
		}
		dg := b.Build(0)
		if len(dg.Overdue) != 1 || dg.Overdue[0].Manager != mona || dg.Overdue[0].Count != len(want) || dg.OverdueCount() != len(want) {
			t.Fatalf("listed %d: overdue %+v", listed, dg.Overdue)
		}
		var got []entry
		dg.EachOverdue(func(m *ManagerOverdue, o Overdue) { got = append(got, entry{*o.Person, o.Item, o.Year}) })
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("listed %d: EachOverdue (-want +got):\n%s", listed, diff)
		}
		var items []entry
		for _, o := range dg.Overdue[0].Items {
			items = append(items, entry{*o.Person, o.Item, o.Year})
		}
		n := len(want)
		if listed > 0 {
			n = listed
		}
		if diff := cmp.Diff(want[:n], items); diff != "" {
			t.Errorf("listed %d: Items (-want +got):\n%s", listed, diff)
		}
	}
}
