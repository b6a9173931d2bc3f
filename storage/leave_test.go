package storage_test

import (
	"slices"
	"testing"

	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// TestLeave: HR records leave and ends it; it reaches every year the
// program reads (one person's, the sweep's and digest's, a team's); someone
// on leave for more than six months is not waited for in the rating counts.
func TestLeave(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		clock := newClock("2027-06-20T14:00:00Z")
		s := storagetest.Open(t, url, clock)
		mgrs, hr := ratingOrg(t, s, map[string]int{"S/B": 10})
		mgr := mgrs["S/B"]
		team, _ := s.Team(ctx, mgr.ID, 2027)
		away, back := team[0].Person, team[1].Person
		day := func(s string) review.Date { d, _ := review.ParseDate(s); return d }
		if err := s.RecordLeave(ctx, review.Actor{SlackID: mgr.SlackID, Person: &mgr}, away.ID, review.Leave{From: day("2026-12-01")}); review.ErrorCode(err) != review.EFORBIDDEN {
			t.Errorf("a manager recording leave = %v", err)
		}
		if err := s.RecordLeave(ctx, hr, away.ID, review.Leave{From: day("2026-12-01"), To: day("2026-11-01")}); review.ErrorCode(err) != review.EINVALID {
			t.Errorf("a leave ending before it starts = %v", err)
		}
		for _, l := range []review.Leave{{From: day("2026-12-01")}, {From: day("2026-08-01"), To: day("2026-08-31")}} {
			if err := s.RecordLeave(ctx, hr, away.ID, l); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.RecordLeave(ctx, hr, back.ID, review.Leave{From: day("2027-01-04")}); err != nil {
			t.Fatal(err)
		}
		// Ending it: the same start, with an end.
		if err := s.RecordLeave(ctx, hr, back.ID, review.Leave{From: day("2027-01-04"), To: day("2027-02-26")}); err != nil {
			t.Fatal(err)
		}
		leaves, err := s.Leaves(ctx, away.ID)
		if err != nil || len(leaves) != 2 || leaves[0].From != day("2026-08-01") || !leaves[1].To.IsZero() {
			t.Fatalf("leaves = %+v, %v", leaves, err)
		}
		if l, _ := s.Leaves(ctx, back.ID); len(l) != 1 || l[0].To != day("2027-02-26") {
			t.Errorf("ended leave = %+v", l)
		}

		y, err := s.Year(ctx, away.ID, 2027)
		if err != nil || len(y.Leaves) != 2 {
			t.Errorf("year (no review yet) = %+v, %v", y.Leaves, err)
		}
		_, due, err := s.PeopleDue(ctx, 2027, []int64{away.ID, back.ID})
		if err != nil || len(due[away.ID].Leaves) != 2 || len(due[back.ID].Leaves) != 1 {
			t.Errorf("due states = %+v, %v", due, err)
		}
		if _, due, _ := s.PeopleDue(ctx, 2028, []int64{away.ID, back.ID}); len(due[away.ID].Leaves) != 1 || len(due[back.ID].Leaves) != 0 {
			t.Errorf("FY2028's due states hold the leaves that touch it: %+v", due)
		}

		// With no review of the year, the one away still has their leaves
		// in the team's view and the export: not rated, for the leave.
		members, err := s.Team(ctx, mgr.ID, 2027)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range members {
			if m.Person.ID == away.ID && (m.Year.ReviewID != 0 || len(m.Year.Leaves) != 2) {
				t.Errorf("the team's year of the one away = %+v", m.Year)
			}
		}
		status := ""
		if err := s.ComplianceExport(ctx, 2027, "", func(r review.ComplianceRow) error {
			if r.Person.ID == away.ID {
				rec, _ := review.ComplianceRecord(r, review.ProgramScale, hr, true)
				status = rec[slices.Index(review.ComplianceHeader(true), "rating_status")]
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if status != review.NotRatedLeave {
			t.Errorf("the export's rating_status of the one away = %q, want %q", status, review.NotRatedLeave)
		}

		// The one away since December is not waited for; the one back in
		// February is. Rated all the same, they count like anyone.
		rating := storage.Change{Actor: review.Actor{SlackID: mgr.SlackID, Person: &mgr}, Action: review.Rate}
		for _, m := range team[1:] {
			if _, err := s.SaveManagerWrapUp(ctx, rating, m.Person, 2027, review.WrapUp{Rating: "successful", Answers: allYes}); err != nil {
				t.Fatal(err)
			}
		}
		sb := func() review.UnitCount {
			t.Helper()
			counts, err := s.RatingCounts(ctx, 2027)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range counts {
				if u.Unit == "S/B" {
					return u
				}
			}
			t.Fatal("no S/B")
			return review.UnitCount{}
		}
		if u := sb(); u.People != 9 || u.NotRated != 1 || u.Rated() != 9 {
			t.Errorf("S/B counts = %+v, want 9 to rate, all rated, 1 not rated", u)
		}
		b, _ := s.YearBusiness(ctx, 2027)
		if b.WrapUpsMissing != 1 { // the manager, rated by the head
			t.Errorf("business = %+v", b)
		}
		if _, err := s.SaveManagerWrapUp(ctx, rating, away, 2027, review.WrapUp{Rating: "successful", Answers: allYes}); err != nil {
			t.Fatal(err)
		}
		if u := sb(); u.People != 10 || u.NotRated != 0 {
			t.Errorf("S/B counts once the one away is rated = %+v", u)
		}
	})
}
