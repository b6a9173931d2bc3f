package review

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
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
	head := ComplianceHeader(false)
	rec := ComplianceRecord(row, ProgramScale, false)
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
	rh, rr := ComplianceHeader(true), ComplianceRecord(row, ProgramScale, true)
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
	empty := ComplianceRecord(ComplianceRow{Person: Person{Name: "New"}, Year: YearState{Year: 2027}}, ProgramScale, false)
	if cell(head, empty, "rating_status") != "not rated" || cell(head, empty, "status") != "left" {
		t.Errorf("empty row = %v", empty)
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
	n, err := WriteComplianceCSV(&out, ProgramScale, true, each)
	if err != nil || n != 2 {
		t.Fatalf("wrote %d rows, %v; want 2", n, err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 3 || lines[0] != strings.Join(ComplianceHeader(true), ",") ||
		!strings.HasPrefix(lines[1], "Ana,ana@x.org,S/A,Mona,active,0,0,") || !strings.HasPrefix(lines[2], `"Eli, Jr.",eli@x.org,`) {
		t.Errorf("export:\n%s", out.String())
	}

	// A failure while paging stops the export and says how far it got.
	pageFailed := errors.New("page 2: connection reset")
	n, err = WriteComplianceCSV(io.Discard, ProgramScale, false, func(fn func(ComplianceRow) error) error {
		if err := fn(rows[0]); err != nil {
			return err
		}
		return pageFailed
	})
	if n != 1 || !errors.Is(err, pageFailed) {
		t.Errorf("after a failed page: %d rows, %v; want 1 and the failure", n, err)
	}

	// A file that cannot be written is an error, not an empty export.
	if _, err := WriteComplianceCSV(failingWriter{}, ProgramScale, false, each); err == nil {
		t.Error("writing to a broken file succeeded")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }
