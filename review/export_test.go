package review

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestComplianceRecord(t *testing.T) {
	at := time.Date(2026, 8, 12, 14, 0, 0, 0, time.UTC)
	row := ComplianceRow{
		Person:  Person{Name: "=Eli", Email: "eli@x.org", Unit: "S/A", Active: true},
		Manager: Person{Name: "Mona"},
		Year: YearState{Year: 2027, Expectations: []Expectation{{ID: 1}}, Goals: []Goal{{ID: 1}, {ID: 2}},
			CheckIns: []CheckIn{
				{HeldOn: d("2026-08-10"), First: true, Confirmation: &Confirmation{Answers: []Answer{{Question: "met", Yes: true, AnsweredAt: at}, {Question: "cadence", Yes: false, AnsweredAt: at}}}},
				{HeldOn: d("2026-11-02")}, {HeldOn: d("2026-12-01")},
			},
			WrapUp: &WrapUp{Accomplishments: "Shipped", Rating: "below", DevelopmentNote: "Weekly", RatedAt: at, ApprovedAt: at,
				Answers: []Answer{{Question: "feedback", Yes: true, AnsweredAt: at}}}},
	}
	hr := Actor{SlackID: "UHR", HR: true}
	head := ComplianceHeader(false)
	rec, withheld := ComplianceRecord(row, ProgramScale, hr, false)
	if withheld {
		t.Error("HR's export withheld someone else's rating")
	}
	if len(head) != len(rec) {
		t.Fatalf("header has %d columns, record %d", len(head), len(rec))
	}
	cell := func(h []string, r []string, col string) string {
		i := slices.Index(h, col)
		if i < 0 {
			t.Fatalf("no column %s", col)
		}
		return r[i]
	}
	for col, want := range map[string]string{
		"name": "'=Eli", "manager": "Mona", "expectations": "1", "goals": "2",
		"q1_checkins": "2026-08-10", "q2_checkins": "2026-11-02;2026-12-01", "q3_checkins": "",
		"first_checkin_met": "yes", "first_checkin_met_at": "2026-08-12T14:00:00Z", "first_checkin_cadence": "no", "first_checkin_expectations": "",
		"wrapup_feedback": "yes", "wrapup_four_checkins": "", "rating": "Below Expectations", "rating_status": "approved",
		"released_at": "", "reflection": "Shipped", "development_note": "Weekly",
	} {
		if got := cell(head, rec, col); got != want {
			t.Errorf("%s = %q, want %q", col, got, want)
		}
	}
	rh, rr := ComplianceHeader(true), first(ComplianceRecord(row, ProgramScale, hr, true))
	if len(rh) != len(rr) {
		t.Fatalf("redacted: header %d, record %d", len(rh), len(rr))
	}
	for _, col := range []string{"rating", "reflection", "manager_comments", "development_note"} {
		if slices.Contains(rh, col) {
			t.Errorf("redacted export has %s", col)
		}
	}
	if strings.Contains(strings.Join(rr, ","), "Below") || strings.Contains(strings.Join(rr, ","), "Shipped") {
		t.Errorf("redacted record leaks: %v", rr)
	}
	if cell(rh, rr, "rating_status") != "approved" {
		t.Error("the redacted export keeps the release status")
	}
	empty := first(ComplianceRecord(ComplianceRow{Person: Person{Name: "New"}, Year: YearState{Year: 2027}}, ProgramScale, hr, false))
	if cell(head, empty, "rating_status") != "not rated" || cell(head, empty, "status") != "left" {
		t.Errorf("empty row = %v", empty)
	}
}

func first[T, U any](t T, _ U) T { return t }

// TestExportWithholdsOwnRating: an HR person exporting the year sees
// every rating but their own, until it is released to them; earlier
// wrap-ups set aside at a move are listed for whoever may see them.
func TestExportWithholdsOwnRating(t *testing.T) {
	at := time.Date(2027, 6, 20, 14, 0, 0, 0, time.UTC)
	hana := Person{ID: 6, Name: "Hana", Unit: "S/HR", ManagerID: 1, Active: true, HR: true}
	dana := Person{ID: 1, Name: "Dana", Active: true}
	mona := Person{ID: 2, Name: "Mona", ManagerID: 1, Active: true}
	pat := Person{ID: 4, Name: "Pat", ManagerID: 1, Active: true}
	hr := Actor{SlackID: "UHANA", Person: &hana, HR: true}
	rated := func(released bool) *WrapUp {
		w := &WrapUp{Rating: "exceptional", RaterID: 1, Comments: "Led the audit", DevelopmentNote: "none", RatedAt: at, ApprovedAt: at}
		if released {
			w.HeldAt = at
		}
		return w
	}
	head := ComplianceHeader(false)
	cell := func(rec []string, col string) string { return rec[slices.Index(head, col)] }

	own := ComplianceRow{Person: hana, Manager: dana, Rater: dana, Year: YearState{Year: 2027, WrapUp: rated(false)}}
	rec, withheld := ComplianceRecord(own, ProgramScale, hr, false)
	if !withheld {
		t.Error("HR's own unreleased rating was not withheld")
	}
	for col, want := range map[string]string{"rating": Withheld, "manager_comments": Withheld, "development_note": Withheld, "rating_status": "approved"} {
		if got := cell(rec, col); got != want {
			t.Errorf("own line: %s = %q, want %q", col, got, want)
		}
	}
	if strings.Contains(strings.Join(rec, ","), "Exceptional") || strings.Contains(strings.Join(rec, ","), "Led the audit") {
		t.Errorf("own line leaks: %v", rec)
	}
	own.Year.WrapUp = rated(true)
	if rec, withheld := ComplianceRecord(own, ProgramScale, hr, false); withheld || cell(rec, "rating") != "Exceptional" {
		t.Errorf("own released line = %v (withheld %v)", rec, withheld)
	}

	moved := ComplianceRow{Person: Person{ID: 3, Name: "Eli", ManagerID: 4, Active: true}, Manager: pat, Year: YearState{Year: 2027},
		Earlier: []EarlierWrapUp{{RaterID: 2, Rater: mona, Rating: "successful", RatedAt: at, SetAsideAt: at.AddDate(0, 0, 5)}}}
	if got := cell(first(ComplianceRecord(moved, ProgramScale, hr, false)), "earlier_wrapups"); got != "Mona: Successful Performer (set aside 2027-06-25)" {
		t.Errorf("HR's earlier_wrapups = %q", got)
	}
	if got := cell(first(ComplianceRecord(moved, ProgramScale, Actor{SlackID: "UPAT", Person: &pat}, false)), "earlier_wrapups"); got != "" {
		t.Errorf("the new manager sees the earlier wrap-up: %q", got)
	}
}

func TestSpreadsheetSafe(t *testing.T) {
	for in, want := range map[string]string{"=SUM(A1)": "'=SUM(A1)", "+1": "'+1", "-2": "'-2", "@x": "'@x", "plain": "plain", "": ""} {
		if got := SpreadsheetSafe(in); got != want {
			t.Errorf("SpreadsheetSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriteComplianceCSV(t *testing.T) {
	rows := []ComplianceRow{
		{Person: Person{Name: "Ana", Email: "ana@x.org", Unit: "S/A", Active: true}, Manager: Person{Name: "Mona"}, Year: YearState{Year: 2027}},
		{Person: Person{Name: "Eli, Jr.", Email: "eli@x.org", Unit: "S/A", Active: true}, Manager: Person{Name: "Mona"}, Year: YearState{Year: 2027}},
	}
	each := func(fn func(ComplianceRow) error) error {
		for _, r := range rows {
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}
	var out strings.Builder
	hr := Actor{SlackID: "UHR", HR: true}
	n, withheld, err := WriteComplianceCSV(&out, ProgramScale, hr, true, each)
	if err != nil || n != 2 || withheld != 0 {
		t.Fatalf("wrote %d rows, %v; want 2", n, err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 3 || lines[0] != strings.Join(ComplianceHeader(true), ",") ||
		!strings.HasPrefix(lines[1], "Ana,ana@x.org,S/A,Mona,active,0,0,") || !strings.HasPrefix(lines[2], `"Eli, Jr.",eli@x.org,`) {
		t.Errorf("export:\n%s", out.String())
	}

	// A failure while paging stops the export and says how far it got.
	pageFailed := errors.New("page 2: connection reset")
	n, _, err = WriteComplianceCSV(io.Discard, ProgramScale, hr, false, func(fn func(ComplianceRow) error) error {
		if err := fn(rows[0]); err != nil {
			return err
		}
		return pageFailed
	})
	if n != 1 || !errors.Is(err, pageFailed) {
		t.Errorf("after a failed page: %d rows, %v; want 1 and the failure", n, err)
	}

	// The viewer's own line, rated and not released, is counted as
	// withheld.
	me := rows[0].Person
	me.ID = 7
	mine := []ComplianceRow{{Person: me, Year: YearState{Year: 2027, WrapUp: &WrapUp{Rating: "successful", RaterID: 1}}}}
	if _, withheld, err := WriteComplianceCSV(io.Discard, ProgramScale, Actor{SlackID: "U7", Person: &me, HR: true}, false, func(fn func(ComplianceRow) error) error {
		return fn(mine[0])
	}); err != nil || withheld != 1 {
		t.Errorf("own line: withheld %d, %v; want 1", withheld, err)
	}

	// A file that cannot be written is an error, not an empty export.
	if _, _, err := WriteComplianceCSV(failingWriter{}, ProgramScale, hr, false, each); err == nil {
		t.Error("writing to a broken file succeeded")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestExportAppealColumns: an appeal's cells are in the full export only,
// open or decided, and withheld on a line whose rating is withheld.
func TestExportAppealColumns(t *testing.T) {
	at := time.Date(2027, 6, 20, 14, 0, 0, 0, time.UTC)
	hana := Person{ID: 6, Name: "Hana", Unit: "S/HR", ManagerID: 1, Active: true, HR: true}
	eli := Person{ID: 3, Name: "Eli", Unit: "S/A", ManagerID: 1, Active: true}
	dana := Person{ID: 1, Name: "Dana", Active: true}
	hr := Actor{SlackID: "UHANA", Person: &hana, HR: true}
	released := &WrapUp{Rating: "below", RaterID: 1, RatedAt: at, ApprovedAt: at, HeldAt: at}
	rechanged := &WrapUp{Rating: "successful", RaterID: 1, RatedAt: at, ApprovedAt: at} // changed on appeal, not talked through again
	open := &Appeal{Rating: "below", Reasons: "=My Q3 work", FiledOn: d("2027-06-24"), HearingDue: d("2027-07-16")}
	changed := &Appeal{Rating: "below", Reasons: "Missed", FiledOn: d("2027-06-24"), HearingDue: d("2027-07-16"),
		HearingOn: d("2027-07-08"), Outcome: AppealChanged, NewRating: "successful", DecidedOn: d("2027-07-09")}
	upheld := &Appeal{Rating: "below", Reasons: "Missed", FiledOn: d("2027-06-24"), HearingDue: d("2027-07-16"),
		HearingOn: d("2027-07-08"), Outcome: AppealUpheld, DecidedOn: d("2027-07-08")}
	blank := []string{"", "", "", "", "", "", "", ""}
	all := func(s string) []string { return []string{s, s, s, s, s, s, s, s} }
	for _, tc := range []struct {
		name string
		row  ComplianceRow
		want []string // appeal_rating … appeal_reasons
	}{
		{"no appeal", ComplianceRow{Person: eli, Rater: dana, Year: YearState{Year: 2027, WrapUp: released}}, blank},
		{"open", ComplianceRow{Person: eli, Rater: dana, Year: YearState{Year: 2027, WrapUp: released}, Appeal: open},
			[]string{"Below Expectations", "2027-06-24", "2027-07-16", "", "", "", "", "'=My Q3 work"}},
		{"upheld", ComplianceRow{Person: eli, Rater: dana, Year: YearState{Year: 2027, WrapUp: released}, Appeal: upheld},
			[]string{"Below Expectations", "2027-06-24", "2027-07-16", "2027-07-08", "upheld", "", "2027-07-08", "Missed"}},
		{"changed", ComplianceRow{Person: eli, Rater: dana, Year: YearState{Year: 2027, WrapUp: rechanged}, Appeal: changed},
			[]string{"Below Expectations", "2027-06-24", "2027-07-16", "2027-07-08", "changed", "Successful Performer", "2027-07-09", "Missed"}},
		{"own, released", ComplianceRow{Person: hana, Rater: dana, Year: YearState{Year: 2027, WrapUp: released}, Appeal: open},
			[]string{"Below Expectations", "2027-06-24", "2027-07-16", "", "", "", "", "'=My Q3 work"}},
		{"own, changed and not released again", ComplianceRow{Person: hana, Rater: dana, Year: YearState{Year: 2027, WrapUp: rechanged}, Appeal: changed}, all(Withheld)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			head := ComplianceHeader(false)
			rec, _ := ComplianceRecord(tc.row, ProgramScale, hr, false)
			if len(rec) != len(head) {
				t.Fatalf("header has %d columns, record %d", len(head), len(rec))
			}
			i := slices.Index(head, "appeal_rating")
			if i < 0 || head[len(head)-1] != "appeal_reasons" {
				t.Fatalf("header = %v", head)
			}
			if diff := cmp.Diff(tc.want, rec[i:]); diff != "" {
				t.Errorf("appeal cells (-want +got):\n%s", diff)
			}
			rh := ComplianceHeader(true)
			rr, _ := ComplianceRecord(tc.row, ProgramScale, hr, true)
			if len(rr) != len(rh) {
				t.Fatalf("redacted: header %d, record %d", len(rh), len(rr))
			}
			for _, col := range rh {
				if strings.HasPrefix(col, "appeal") {
					t.Errorf("the redacted export has %s", col)
				}
			}
			if tc.row.Appeal != nil && (strings.Contains(strings.Join(rr, ","), "2027-06-24") || strings.Contains(strings.Join(rr, ","), "Q3")) {
				t.Errorf("the redacted line tells of the appeal: %v", rr)
			}
		})
	}
}
