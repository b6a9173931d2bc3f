package storage_test

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// ratingOrg imports a head of unit "S" managing one manager per unit in
// sizes (unit name → reports), each manager with that many reports in the
// unit. It returns the managers by unit and HR.
func ratingOrg(t *testing.T, s *storage.Store, sizes map[string]int) (map[string]review.Person, review.Actor) {
	t.Helper()
	entries := []review.RosterEntry{{Email: "head@x.org", Name: "Head", Unit: "S", SlackID: "UHEAD"}}
	for unit, n := range sizes {
		m := strings.ReplaceAll(unit, "/", "-")
		mail := strings.ToLower(m)
		entries = append(entries, review.RosterEntry{Email: mail + "@x.org", Name: "Mgr " + unit, ManagerEmail: "head@x.org", Unit: "S", SlackID: "UM" + m})
		for i := range n {
			entries = append(entries, review.RosterEntry{Email: fmt.Sprintf("%s-%d@x.org", mail, i), Name: fmt.Sprintf("%s %02d", unit, i), ManagerEmail: mail + "@x.org", Unit: unit, SlackID: fmt.Sprintf("U%s%d", m, i)})
		}
	}
	importRoster(t, s, "2026-07-01", entries, false)
	mgrs := map[string]review.Person{}
	for unit := range sizes {
		mgrs[unit], _ = s.PersonBySlackID(ctx, "UM"+strings.ReplaceAll(unit, "/", "-"))
	}
	return mgrs, review.Actor{SlackID: "UHR", HR: true}
}

var allYes = []review.Answer{
	{Stage: review.StageWrapUp, Question: "four_checkins", Yes: true},
	{Stage: review.StageWrapUp, Question: "expectations", Yes: true},
	{Stage: review.StageWrapUp, Question: "feedback", Yes: true},
}

// rateTeam gives every report of mgr a rating: the first n exceptional,
// the rest successful.
func rateTeam(t *testing.T, s *storage.Store, mgr review.Person, exceptional int) {
	t.Helper()
	team, err := s.Team(ctx, mgr.ID, 2027)
	if err != nil {
		t.Fatal(err)
	}
	rating := storage.Change{Actor: review.Actor{SlackID: mgr.SlackID, Person: &mgr}, Action: review.Rate}
	for i, m := range team {
		r := "successful"
		if i < exceptional {
			r = "exceptional"
		}
		if _, err := s.SaveManagerWrapUp(ctx, rating, m.Person, 2027, review.WrapUp{Rating: r, Answers: allYes}); err != nil {
			t.Fatalf("rate %s: %v", m.Person.Name, err)
		}
	}
}

func TestReflectionAndManagerWrapUp(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		clock := newClock("2027-05-03T14:00:00Z")
		s := storagetest.Open(t, url, clock)
		mgr, emp := pair(t, s)
		eActor := review.Actor{SlackID: emp.SlackID, Person: &emp}
		mActor := review.Actor{SlackID: mgr.SlackID, Person: &mgr}
		reflecting := storage.Change{Actor: eActor, Action: review.Reflect}
		rating := storage.Change{Actor: mActor, Action: review.Rate}

		y, err := s.SaveReflection(ctx, reflecting, emp, 2027, review.WrapUp{Accomplishments: "draft"}, false)
		if err != nil || y.WrapUp == nil || y.WrapUp.Accomplishments != "draft" || y.WrapUp.Reflected() {
			t.Fatalf("draft: %+v, %v", y.WrapUp, err)
		}
		if _, err := s.SaveReflection(ctx, storage.Change{Actor: mActor, Action: review.Reflect}, emp, 2027, review.WrapUp{Accomplishments: "x"}, true); review.ErrorCode(err) != review.EFORBIDDEN {
			t.Errorf("the manager writing the reflection = %v", err)
		}
		y, err = s.SaveReflection(ctx, reflecting, emp, 2027, review.WrapUp{Accomplishments: "Shipped the portal"}, true)
		if err != nil || !y.WrapUp.Reflected() {
			t.Fatalf("send: %+v, %v", y.WrapUp, err)
		}
		sent := y.WrapUp.ReflectedAt
		clock.Set(clock.Now().AddDate(0, 0, 2))
		if y, _ = s.SaveReflection(ctx, reflecting, emp, 2027, review.WrapUp{Accomplishments: "Shipped the portal, on time"}, true); !y.WrapUp.ReflectedAt.Equal(sent) {
			t.Errorf("sending again moved the day it was sent: %v → %v", sent, y.WrapUp.ReflectedAt)
		}

		clock.Set(clock.Now().AddDate(0, 1, 0))
		if _, err := s.SaveManagerWrapUp(ctx, storage.Change{Actor: eActor, Action: review.Rate}, emp, 2027, review.WrapUp{Rating: "exceptional", Answers: allYes}); review.ErrorCode(err) != review.EFORBIDDEN {
			t.Errorf("the employee rating themselves = %v", err)
		}
		answers := append([]review.Answer(nil), allYes...)
		answers[2].Yes = false
		y, err = s.SaveManagerWrapUp(ctx, rating, emp, 2027, review.WrapUp{Rating: "highly_effective", Comments: "Great year", Answers: answers})
		if err != nil {
			t.Fatal(err)
		}
		w := y.WrapUp
		if w.Rating != "highly_effective" || w.RaterID != mgr.ID || w.Comments != "Great year" || len(w.Answers) != 3 || w.Answers[2].Yes || w.Accomplishments != "Shipped the portal, on time" {
			t.Fatalf("wrap-up = %+v", w)
		}
		first := w.Answers[0].AnsweredAt
		clock.Set(clock.Now().Add(time.Hour))
		answers[2].Yes = true
		y, err = s.SaveManagerWrapUp(ctx, rating, emp, 2027, review.WrapUp{Rating: "successful", Answers: answers})
		if err != nil {
			t.Fatal(err)
		}
		if !y.WrapUp.Answers[0].AnsweredAt.Equal(first) || y.WrapUp.Answers[2].AnsweredAt.Equal(first) || !y.WrapUp.Answers[2].Yes {
			t.Errorf("an unchanged answer keeps its time, a changed one gets a new one: %+v", y.WrapUp.Answers)
		}
		if _, err := s.SaveReflection(ctx, reflecting, emp, 2027, review.WrapUp{Accomplishments: "late"}, true); review.ErrorCode(err) != review.ECONFLICT {
			t.Errorf("a reflection after the manager's wrap-up = %v", err)
		}
		trail, _ := s.AuditTrail(ctx, "wrap_up", 1)
		var actions []string
		for _, e := range trail {
			actions = append(actions, e.Action)
		}
		if got := strings.Join(actions, ","); got != "wrapup.reflect,wrapup.reflect,wrapup.reflect,wrapup.rate,wrapup.rate" {
			t.Errorf("audit = %s", got)
		}
		if !strings.Contains(trail[4].Before, "highly_effective") || !strings.Contains(trail[4].After, "successful") {
			t.Errorf("the rating change is not in the audit: %+v", trail[4])
		}
	})
}

func TestApproveAndRelease(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		clock := newClock("2027-06-20T14:00:00Z")
		s := storagetest.Open(t, url, clock)
		// Secretariat A has 19 people in two units (over the cap with 2
		// exceptional); B has 10 (1 exceptional is fine). The managers are
		// in S.
		mgrs, hr := ratingOrg(t, s, map[string]int{"A/X": 15, "A/X/Lab": 4, "B/Y": 10})
		_, pools, err := s.RatingPools(ctx, 2027)
		if err != nil {
			t.Fatal(err)
		}
		if len(pools) != 3 { // A, B, and S (the managers)
			t.Fatalf("pools = %+v", pools)
		}
		if p, _ := review.PoolOf(pools, "A/X/Lab"); p.Unit != "A" || p.People != 19 {
			t.Fatalf("A/X/Lab's pool = %+v", p)
		}

		var told []storage.TeamRelease
		notify := func(p review.Pool, teams []storage.TeamRelease) ([]storage.Notification, error) {
			told = teams
			var ns []storage.Notification
			for _, tm := range teams {
				ns = append(ns, storage.Notification{Key: fmt.Sprintf("approved:%s:%s", p.Unit, tm.Manager.SlackID), Recipient: tm.Manager.SlackID, Kind: "ratings", Payload: []byte(`{"text":"approved"}`)})
			}
			return ns, nil
		}
		if _, err := s.ApproveRatings(ctx, hr, storage.Decision{Year: 2027, Scale: review.ProgramScale, Pool: "A", Reason: "", Teams: notify}); review.ErrorCode(err) != review.ECONFLICT {
			t.Errorf("approving before any rating = %v", err)
		}
		rateTeam(t, s, mgrs["A/X"], 1)
		rateTeam(t, s, mgrs["A/X/Lab"], 1)
		rateTeam(t, s, mgrs["B/Y"], 1)

		if _, err := s.ApproveRatings(ctx, review.Actor{SlackID: mgrs["B/Y"].SlackID, Person: ptr(mgrs["B/Y"])}, storage.Decision{Year: 2027, Scale: review.ProgramScale, Pool: "B", Reason: "", Teams: notify}); review.ErrorCode(err) != review.EFORBIDDEN {
			t.Errorf("a manager approving = %v", err)
		}
		if _, err := s.ApproveRatings(ctx, hr, storage.Decision{Year: 2027, Scale: review.ProgramScale, Pool: "A/X/Lab", Reason: "", Teams: notify}); review.ErrorCode(err) != review.ECONFLICT || !strings.Contains(review.ErrorMessage(err), "approve A") {
			t.Errorf("approving a pooled unit on its own = %v", err)
		}
		if _, err := s.ApproveRatings(ctx, hr, storage.Decision{Year: 2027, Scale: review.ProgramScale, Pool: "A", Reason: "", Teams: notify}); review.FieldErrors(err)[review.FieldException] == "" {
			t.Errorf("approving 2 of 19 exceptional without a reason = %v", err)
		}
		p, err := s.ApproveRatings(ctx, hr, storage.Decision{Year: 2027, Scale: review.ProgramScale, Pool: "A", Reason: "Both led the flood response.", Teams: notify})
		if err != nil || p.People != 19 || p.Counts["exceptional"] != 2 {
			t.Fatalf("approve A with an exception = %+v, %v", p, err)
		}
		if len(told) != 2 || len(told[0].Reports)+len(told[1].Reports) != 19 {
			t.Errorf("managers told: %+v", told)
		}
		if _, err := s.ApproveRatings(ctx, hr, storage.Decision{Year: 2027, Scale: review.ProgramScale, Pool: "A", Reason: "again", Teams: notify}); review.ErrorCode(err) != review.ECONFLICT {
			t.Errorf("approving twice = %v", err)
		}
		if _, err := s.ApproveRatings(ctx, hr, storage.Decision{Year: 2027, Scale: review.ProgramScale, Pool: "B", Reason: "", Teams: notify}); err != nil {
			t.Errorf("1 of 10 needs no exception: %v", err)
		}
		approvals, _ := s.Approvals(ctx, 2027)
		if a := approvals["A/X/Lab"]; !a.Approved() || a.Pool != "A" || a.Exception != "Both led the flood response." {
			t.Errorf("A/X/Lab approval = %+v", a)
		}
		if a := approvals["B/Y"]; !a.Approved() || a.Exception != "" {
			t.Errorf("B/Y approval = %+v", a)
		}

		// The ratings are locked; the manager marks the conversation held.
		mgr := mgrs["B/Y"]
		team, _ := s.Team(ctx, mgr.ID, 2027)
		emp := team[0].Person
		rating := storage.Change{Actor: review.Actor{SlackID: mgr.SlackID, Person: &mgr}, Action: review.Rate}
		if _, err := s.SaveManagerWrapUp(ctx, rating, emp, 2027, review.WrapUp{Rating: "successful", Answers: allYes}); err != review.RatingLocked {
			t.Errorf("changing an approved rating = %v", err)
		}
		if !team[0].Year.WrapUp.Approved() || team[0].Year.WrapUp.Released() {
			t.Errorf("approved, not released: %+v", team[0].Year.WrapUp)
		}
		y, err := s.MarkConversationHeld(ctx, rating, emp, 2027)
		if err != nil || !y.WrapUp.Released() {
			t.Fatalf("held: %+v, %v", y.WrapUp, err)
		}
		if _, err := s.MarkConversationHeld(ctx, rating, emp, 2027); err != storage.AlreadyHeld {
			t.Errorf("held twice = %v", err)
		}

		// HR reopens S/B; the manager changes the rating, which takes it
		// back from the employee until it is approved and discussed again.
		if _, err := s.ReopenRatings(ctx, hr, storage.Decision{Year: 2027, Pool: "B", Reason: "Recheck one rating", Teams: notify}); err != nil {
			t.Fatal(err)
		}
		y, _ = s.Year(ctx, emp.ID, 2027)
		if y.WrapUp.Released() || y.WrapUp.Approved() {
			t.Errorf("after reopening: %+v", y.WrapUp)
		}
		if y, err = s.SaveManagerWrapUp(ctx, rating, emp, 2027, review.WrapUp{Rating: "highly_effective", Answers: allYes}); err != nil || !y.WrapUp.HeldAt.IsZero() {
			t.Fatalf("change after reopening: %+v, %v", y.WrapUp, err)
		}
		if _, err := s.MarkConversationHeld(ctx, rating, emp, 2027); err != storage.NotYetApproved {
			t.Errorf("held before the new approval = %v", err)
		}
		if _, err := s.ReopenRatings(ctx, hr, storage.Decision{Year: 2027, Pool: "B", Reason: "again", Teams: notify}); review.ErrorCode(err) != review.ECONFLICT {
			t.Errorf("reopening what is open = %v", err)
		}
		if _, err := s.ApproveRatings(ctx, hr, storage.Decision{Year: 2027, Scale: review.ProgramScale, Pool: "B", Reason: "", Teams: notify}); err != nil {
			t.Fatal(err)
		}
		y, _ = s.Year(ctx, emp.ID, 2027)
		if !y.WrapUp.Approved() || y.WrapUp.Released() {
			t.Errorf("approved again: %+v", y.WrapUp)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// TestMoveSetsAsideTheWrapUp: someone who moves to a new manager before
// HR approves their rating gets a wrap-up from the new manager; the
// former manager's is kept aside, with its answers, and in the audit log.
// After approval a move changes nothing, and the rater still holds the
// conversation.
func TestMoveSetsAsideTheWrapUp(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		clock := newClock("2027-06-20T14:00:00Z")
		s := storagetest.Open(t, url, clock)
		roster := []review.RosterEntry{
			entry("dana@x.org", "Dana", "", "U1"),
			entry("mona@x.org", "Mona", "dana@x.org", "U2"),
			entry("pat@x.org", "Pat", "dana@x.org", "U4"),
			entry("eli@x.org", "Eli", "mona@x.org", "U3"),
			entry("zoe@x.org", "Zoe", "mona@x.org", "U5"),
		}
		importRoster(t, s, "2026-07-01", roster, false)
		mona, _ := s.PersonBySlackID(ctx, "U2")
		pat, _ := s.PersonBySlackID(ctx, "U4")
		eli, _ := s.PersonBySlackID(ctx, "U3")
		zoe, _ := s.PersonBySlackID(ctx, "U5")
		byMona := storage.Change{Actor: review.Actor{SlackID: "U2", Person: &mona}, Action: review.Rate}
		answers := append([]review.Answer(nil), allYes...)
		answers[1].Yes = false
		if _, err := s.SaveManagerWrapUp(ctx, byMona, eli, 2027, review.WrapUp{Rating: "below", Comments: "Missed the deadline", DevelopmentNote: "Weekly", Answers: answers}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SaveManagerWrapUp(ctx, byMona, zoe, 2027, review.WrapUp{Rating: "successful", Answers: allYes}); err != nil {
			t.Fatal(err)
		}
		hr := review.Actor{SlackID: "UHR", HR: true}
		if _, err := s.ApproveRatings(ctx, hr, storage.Decision{Year: 2027, Scale: review.ProgramScale, Pool: "EOHHS", Reason: "", Teams: nil}); review.ErrorCode(err) != review.ECONFLICT {
			t.Fatalf("approving with Pat and Mona unrated = %v", err)
		}

		// Eli moves to Pat: Mona's wrap-up of him is set aside.
		clock.Set(clock.Now().AddDate(0, 0, 2))
		moved := append([]review.RosterEntry(nil), roster...)
		moved[3].ManagerEmail = "pat@x.org"
		importRoster(t, s, "2027-06-22", moved, false)
		y, _ := s.Year(ctx, eli.ID, 2027)
		if y.WrapUp.Rated() || len(y.WrapUp.Answers) != 0 || y.WrapUp.Comments != "" || y.WrapUp.DevelopmentNote != "" {
			t.Fatalf("after the move Eli's wrap-up still has Mona's part: %+v", y.WrapUp)
		}
		earlier, err := s.EarlierWrapUps(ctx, eli.ID, 2027)
		if err != nil || len(earlier) != 1 {
			t.Fatalf("earlier wrap-ups = %+v, %v", earlier, err)
		}
		e := earlier[0]
		if e.Rater.ID != mona.ID || e.Rating != "below" || e.Comments != "Missed the deadline" || e.DevelopmentNote != "Weekly" || len(e.Answers) != 3 || e.Answers[1].Yes || e.RatedAt.IsZero() || !e.SetAsideAt.Equal(clock.Now()) {
			t.Errorf("earlier wrap-up = %+v", e)
		}
		trail, _ := s.AuditTrail(ctx, "wrap_up", 1) // Eli's, the first written
		if len(trail) == 0 || trail[len(trail)-1].Action != "wrapup.set_aside" || !strings.Contains(trail[len(trail)-1].Before, "Missed the deadline") {
			t.Errorf("the set-aside is not in the audit: %+v", trail)
		}
		if y, _ := s.Year(ctx, zoe.ID, 2027); y.WrapUp.Rating != "successful" {
			t.Errorf("Zoe, who did not move, lost her rating: %+v", y.WrapUp)
		}
		counts, _ := s.RatingCounts(ctx, 2027)
		if counts[0].Counts["below"] != 0 {
			t.Errorf("the earlier rating still counts: %+v", counts)
		}

		// Pat writes his own; Mona's stays aside, once.
		byPat := storage.Change{Actor: review.Actor{SlackID: "U4", Person: &pat}, Action: review.Rate}
		if y, err = s.SaveManagerWrapUp(ctx, byPat, eli, 2027, review.WrapUp{Rating: "successful", Answers: allYes}); err != nil || y.WrapUp.RaterID != pat.ID || y.WrapUp.Comments != "" {
			t.Fatalf("Pat's wrap-up = %+v, %v", y.WrapUp, err)
		}
		if earlier, _ := s.EarlierWrapUps(ctx, eli.ID, 2027); len(earlier) != 1 {
			t.Errorf("earlier wrap-ups after Pat's = %d", len(earlier))
		}
		if _, err := s.SaveManagerWrapUp(ctx, byMona, eli, 2027, review.WrapUp{Rating: "exceptional", Answers: allYes}); review.ErrorCode(err) != review.EFORBIDDEN {
			t.Errorf("Mona rating Eli after the move = %v", err)
		}

		// Approved, then Eli moves back: nothing is set aside, and Pat,
		// who gave the rating, holds the conversation; Mona cannot.
		byDana := storage.Change{Actor: review.Actor{SlackID: "U1", Person: ptr(must(s.PersonBySlackID(ctx, "U1")))}, Action: review.Rate}
		for _, m := range []review.Person{mona, pat} {
			if _, err := s.SaveManagerWrapUp(ctx, byDana, m, 2027, review.WrapUp{Rating: "successful", Answers: allYes}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.ApproveRatings(ctx, hr, storage.Decision{Year: 2027, Scale: review.ProgramScale, Pool: "EOHHS", Reason: "", Teams: nil}); err != nil {
			t.Fatal(err)
		}
		importRoster(t, s, "2027-06-22", roster, false)
		if y, _ := s.Year(ctx, eli.ID, 2027); y.WrapUp.Rating != "successful" || y.WrapUp.RaterID != pat.ID {
			t.Fatalf("an approved rating was set aside by a move: %+v", y.WrapUp)
		}
		eli, _ = s.PersonBySlackID(ctx, "U3")
		holding := func(c storage.Change) storage.Change { c.Action = review.HoldConversation; return c }
		if _, err := s.MarkConversationHeld(ctx, holding(byMona), eli, 2027); review.ErrorCode(err) != review.EFORBIDDEN || !strings.Contains(review.ErrorMessage(err), "Pat gave Eli's rating") {
			t.Errorf("Mona, Eli's manager again, holding Pat's rating's conversation = %v", err)
		}
		if y, err := s.MarkConversationHeld(ctx, holding(byPat), eli, 2027); err != nil || !y.WrapUp.Released() {
			t.Errorf("Pat holding the conversation = %+v, %v", y.WrapUp, err)
		}
	})
}

// TestHRDecidesNoPoolWithTheirOwnRating: an HR person rated in a pool
// neither approves nor reopens it; another HR person does.
func TestHRDecidesNoPoolWithTheirOwnRating(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s := storagetest.Open(t, url, newClock("2027-06-20T14:00:00Z"))
		hana := entry("hana@x.org", "Hana", "dana@x.org", "U6")
		hana.HR = true
		importRoster(t, s, "2026-07-01", []review.RosterEntry{entry("dana@x.org", "Dana", "", "U1"), hana, entry("eli@x.org", "Eli", "dana@x.org", "U3")}, false)
		dana, _ := s.PersonBySlackID(ctx, "U1")
		hanaP, _ := s.PersonBySlackID(ctx, "U6")
		rateTeam(t, s, dana, 0)
		asHana := review.Actor{SlackID: "U6", Person: &hanaP, HR: true}
		if _, err := s.ApproveRatings(ctx, asHana, storage.Decision{Year: 2027, Scale: review.ProgramScale, Pool: "EOHHS", Reason: "", Teams: nil}); review.ErrorCode(err) != review.EFORBIDDEN || !strings.Contains(review.ErrorMessage(err), "Your own rating is in EOHHS") {
			t.Errorf("Hana approving her own pool = %v", err)
		}
		other := review.Actor{SlackID: "UHRD", HR: true}
		if _, err := s.ApproveRatings(ctx, other, storage.Decision{Year: 2027, Scale: review.ProgramScale, Pool: "EOHHS", Reason: "", Teams: nil}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ReopenRatings(ctx, asHana, storage.Decision{Year: 2027, Pool: "EOHHS", Reason: "why not", Teams: nil}); review.ErrorCode(err) != review.EFORBIDDEN {
			t.Errorf("Hana reopening her own pool = %v", err)
		}
		if _, err := s.ReopenRatings(ctx, other, storage.Decision{Year: 2027, Pool: "EOHHS", Reason: "Recheck", Teams: nil}); err != nil {
			t.Errorf("another HR person reopening = %v", err)
		}
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestComplianceExport(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		clock := newClock("2027-06-20T14:00:00Z")
		s := storagetest.Open(t, url, clock)
		mgrs, _ := ratingOrg(t, s, map[string]int{"S/A": 3, "S/AB": 2, "S/A/Lab": 2})
		storagetest.SeedTeam(t, s, mgrs["S/A"])
		rateTeam(t, s, mgrs["S/A"], 1)
		var got []review.ComplianceRow
		collect := func(r review.ComplianceRow) error { got = append(got, r); return nil }
		if err := s.ComplianceExport(ctx, 2027, "S/A", collect); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range got {
			names = append(names, r.Person.Name)
		}
		// S/AB is not inside S/A.
		if strings.Join(names, ",") != "S/A 00,S/A 01,S/A 02,S/A/Lab 00,S/A/Lab 01" {
			t.Errorf("people = %v", names)
		}
		r := got[0]
		if r.Manager.Name != "Mgr S/A" || len(r.Year.CheckIns) != 1 || !r.Year.WrapUp.Rated() || len(r.Year.WrapUp.Answers) != 3 {
			t.Errorf("first row = %+v", r)
		}
		got = nil
		if err := s.ComplianceExport(ctx, 2027, "", collect); err != nil || len(got) != 10 { // everyone but the head, whom nobody manages
			t.Errorf("everyone: %d rows, %v", len(got), err)
		}
	})
}

// BenchmarkRatingsAudit measures what /perform ratings asks of the
// database and the domain for a whole organisation: counts by unit and
// rating, then pools and roll-ups. The export benchmark writes the
// evidence CSV for everyone.
func BenchmarkRatingsAudit(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		for _, db := range []string{storage.SQLite, storage.Postgres} {
			s := ratedOrg(b, db, n)
			b.Run(fmt.Sprintf("counts/%d/%s", n, db), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					counts, p, err := s.RatingPools(ctx, 2027)
					if err != nil {
						b.Fatal(err)
					}
					if len(p) == 0 {
						b.Fatal("no pools")
					}
					review.RollUp(counts)
				}
			})
			b.Run(fmt.Sprintf("export/%d/%s", n, db), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					rows, _, err := review.WriteComplianceCSV(io.Discard, review.ProgramScale, review.Actor{HR: true}, false, func(fn func(review.ComplianceRow) error) error {
						return s.ComplianceExport(ctx, 2027, "", fn)
					})
					if err != nil || rows != n-1 {
						b.Fatalf("%d rows, %v", rows, err)
					}
				}
			})
		}
	}
}

// ratedOrg imports n people (a tenth of them managers) spread over 200
// units in 20 secretariats, every one rated for FY2027.
func ratedOrg(b *testing.B, db string, n int) *storage.Store {
	b.Helper()
	s, _ := benchOrg(b, db, "2027-06-20T14:00:00Z", n, func(i int) string { return fmt.Sprintf("S%02d/U%03d", i%20, i%200) })
	if err := s.SeedRatings(2027); err != nil {
		b.Fatal(err)
	}
	return s
}

// TestDueStatesAgreeWithYears checks the sweep's light loader against the
// full one: the same items are due, on many days.
func TestDueStatesAgreeWithYears(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		clock := newClock("2026-08-12T14:00:00Z")
		s := storagetest.Open(t, url, clock)
		mgrs, _ := ratingOrg(t, s, map[string]int{"S/A": 4})
		storagetest.SeedTeam(t, s, mgrs["S/A"])
		team, _ := s.Team(ctx, mgrs["S/A"].ID, 2027)
		mActor := review.Actor{SlackID: mgrs["S/A"].SlackID, Person: ptr(mgrs["S/A"])}
		if _, err := s.SaveExpectations(ctx, storage.Change{Actor: mActor, Action: review.SetExpectations}, team[1].Person, 2027,
			review.ExpectationChanges{Create: []review.Expectation{{Position: 2, Text: "More"}}}); err != nil {
			t.Fatal(err)
		}
		people, _ := s.ActivePeople(ctx)
		var ids []int64
		for _, p := range people {
			ids = append(ids, p.ID)
		}
		full, err := s.YearsOf(ctx, 2027, ids)
		if err != nil {
			t.Fatal(err)
		}
		light, err := s.DueStates(ctx, 2027, ids)
		if err != nil {
			t.Fatal(err)
		}
		// Ids far apart are read as a list rather than a range: the same.
		ends := []int64{ids[0], ids[len(ids)-1]}
		apart, err := s.DueStates(ctx, 2027, ends)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ends {
			if diff := cmp.Diff(light[id], apart[id]); diff != "" {
				t.Errorf("person %d, read as a list: (-range +list)\n%s", id, diff)
			}
		}
		cal := review.Calendar{Loc: time.UTC}
		for _, day := range []string{"2026-08-12", "2026-09-25", "2026-10-20", "2027-01-02", "2027-05-02", "2027-06-20", "2027-06-30"} {
			d, _ := review.ParseDate(day)
			for _, id := range ids {
				a, b := cal.Due(full[id], d.In(time.UTC)), cal.Due(light[id], d.In(time.UTC))
				if len(a) != len(b) {
					t.Fatalf("%s, person %d: full %+v, light %+v", day, id, a, b)
				}
				for i := range a {
					if a[i] != b[i] {
						t.Errorf("%s, person %d: full %+v, light %+v", day, id, a[i], b[i])
					}
				}
			}
		}
	})
}
