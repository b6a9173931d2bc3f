package handlers

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/massperform/massperform/review"
)

// TestDigestListedFew: a digest that writes out only the items its
// message shows (review.DigestBuilder.Listed, as the jobs build it) has
// the same message and the same file as one that writes out every item:
// counts, "N more", goals' expectations and check-ins' days, the order.
func TestDigestListedFew(t *testing.T) {
	cal := review.Calendar{Loc: time.UTC}
	now := time.Date(2027, 1, 11, 14, 0, 0, 0, time.UTC) // Q3: Q2's check-in is overdue
	day := func(s string) review.Date { d, _ := review.ParseDate(s); return d }
	at := func(s string) time.Time { return day(s).In(time.UTC).Add(10 * time.Hour) }
	build := func(listed int) review.Digest {
		b := review.NewDigest(cal, now)
		b.Listed = listed
		for m := 1; m <= 20; m++ {
			manager := &review.Person{ID: int64(m), Name: fmt.Sprintf("Manager %02d", m%7), Active: true}
			for k := range m % 6 {
				id := int64(100*m + k)
				p := &review.Person{ID: id, Name: fmt.Sprintf("Person %d", (id*7919)%97), Unit: fmt.Sprintf("U%d", k%3), ManagerID: manager.ID, Active: true}
				var y review.YearState
				switch k % 3 {
				case 0: // nothing at all
					y = review.YearState{Year: 2027}
				case 1: // a goal to write, a check-in to confirm
					y = review.YearState{Year: 2027, ReviewID: id, Expectations: []review.Expectation{{ID: id, Text: "Serve *the* public, " + p.Name, CreatedAt: at("2026-07-06")}},
						CheckIns: []review.CheckIn{{ID: id, First: true, HeldOn: day("2026-08-20"), CreatedAt: at("2026-08-20")}}}
				case 2: // a check-in owed by the agreed cadence
					y = review.YearState{Year: 2027, ReviewID: id, Cadence: review.Cadence{Weeks: 4}, Expectations: []review.Expectation{{ID: id, CreatedAt: at("2026-07-06")}},
						Goals:    []review.Goal{{ExpectationID: id}},
						CheckIns: []review.CheckIn{{ID: id, First: true, HeldOn: day("2026-08-05"), CreatedAt: at("2026-08-05"), Confirmation: &review.Confirmation{}}}}
				}
				b.Add(p, manager, y)
			}
		}
		return b.Build(0)
	}
	all, few := build(0), build(DigestItems)
	if all.OverdueCount() != few.OverdueCount() || all.OverdueCount() < 40 {
		t.Fatalf("overdue: %d written out, %d listed few", all.OverdueCount(), few.OverdueCount())
	}
	for i, m := range few.Overdue {
		if len(m.Items) > DigestItems || m.Total() != len(all.Overdue[i].Items) {
			t.Errorf("manager %s: %d items written out, %d in all, want %d", m.Manager.Name, len(m.Items), m.Total(), len(all.Overdue[i].Items))
		}
	}
	want, err := DigestMessage(all)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DigestMessage(few)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("the message differs:\n%s\nwant\n%s", got, want)
	}
	if !strings.Contains(string(got), " more") {
		t.Errorf("no manager has more than %d items: %s", DigestItems, got)
	}
	wantCSV, gotCSV := string(DigestCSV(all, false)), string(DigestCSV(few, false))
	if wantCSV != gotCSV {
		t.Errorf("the file differs:\n%s\nwant\n%s", gotCSV, wantCSV)
	}
	for _, s := range []string{"a goal for “Serve \\*the\\* public", "confirmation of the Aug 20, 2026 check-in", "next check-in, by the agreed cadence"} {
		if !strings.Contains(wantCSV, s) && !strings.Contains(wantCSV, strings.ReplaceAll(s, `\*`, "*")) {
			t.Errorf("the file lacks %q:\n%s", s, wantCSV)
		}
	}
}
