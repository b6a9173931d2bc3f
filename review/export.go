package review

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"
)

// ComplianceRow is one person's year, as HR's evidence export needs it.
type ComplianceRow struct {
	Person  Person
	Manager Person // zero when nobody manages them now
	Year    YearState
}

// ComplianceHeader is the header of the evidence export; redact leaves out
// the free text and the rating.
func ComplianceHeader(redact bool) []string {
	h := []string{"name", "email", "unit", "manager", "status", "expectations", "goals",
		"q1_checkins", "q2_checkins", "q3_checkins", "q4_checkins"}
	for _, q := range FirstCheckInQuestions {
		h = append(h, "first_checkin_"+q.Key, "first_checkin_"+q.Key+"_at")
	}
	for _, q := range WrapUpQuestions {
		h = append(h, "wrapup_"+q.Key, "wrapup_"+q.Key+"_at")
	}
	h = append(h, "reflection_sent_at", "manager_wrapup_at")
	if !redact {
		h = append(h, "rating")
	}
	h = append(h, "rating_status", "approved_at", "released_at")
	if !redact {
		h = append(h, "reflection", "manager_comments", "development_note")
	}
	return h
}

// ComplianceRecord is the row's line of the export, in the header's order.
// Ratings are written by name, from the scale.
func ComplianceRecord(r ComplianceRow, scale Scale, redact bool) []string {
	y := r.Year
	status := "active"
	if !r.Person.Active || y.Left {
		status = "left"
	}
	rec := []string{r.Person.Name, r.Person.Email, r.Person.Unit, r.Manager.Name, status,
		strconv.Itoa(len(y.Expectations)), strconv.Itoa(len(y.Goals))}
	var quarters [5][]string
	for _, c := range y.CheckIns {
		quarters[c.Quarter()] = append(quarters[c.Quarter()], c.HeldOn.String())
	}
	for q := 1; q <= 4; q++ {
		rec = append(rec, strings.Join(quarters[q], ";"))
	}
	first := map[string]Answer{}
	for _, c := range y.CheckIns {
		if c.First && c.Confirmation != nil {
			for _, a := range c.Confirmation.Answers {
				first[a.Question] = a
			}
		}
	}
	for _, q := range FirstCheckInQuestions {
		rec = append(rec, answerCells(first, q.Key)...)
	}
	w := y.WrapUp
	wrap := map[string]Answer{}
	if w != nil {
		for _, a := range w.Answers {
			wrap[a.Question] = a
		}
	}
	for _, q := range WrapUpQuestions {
		rec = append(rec, answerCells(wrap, q.Key)...)
	}
	var reflected, rated, approved, released time.Time
	if w != nil {
		reflected, rated, approved = w.ReflectedAt, w.RatedAt, w.ApprovedAt
		if w.Released() {
			released = w.HeldAt
		}
	}
	rec = append(rec, stamp(reflected), stamp(rated))
	if !redact {
		name := ""
		if w.Rated() {
			name = w.Rating
			if l, ok := scale.Find(w.Rating); ok {
				name = l.Name
			}
		}
		rec = append(rec, name)
	}
	rec = append(rec, w.Status(), stamp(approved), stamp(released))
	if !redact {
		var text [3]string
		if w != nil {
			text = [3]string{w.Accomplishments, w.Comments, w.DevelopmentNote}
		}
		for _, t := range text {
			rec = append(rec, SpreadsheetSafe(t))
		}
	}
	for i := range 4 {
		rec[i] = SpreadsheetSafe(rec[i])
	}
	return rec
}

func answerCells(by map[string]Answer, key string) []string {
	a, ok := by[key]
	if !ok {
		return []string{"", ""}
	}
	v := "no"
	if a.Yes {
		v = "yes"
	}
	return []string{v, stamp(a.AnsweredAt)}
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// SpreadsheetSafe keeps text a person typed from being read as a formula
// when the file is opened in a spreadsheet: a leading =, +, -, @, tab or
// carriage return gets a quote in front.
func SpreadsheetSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteComplianceCSV writes the evidence export to w: the header, then a
// line per row that each hands over. It returns how many rows it wrote.
func WriteComplianceCSV(w io.Writer, scale Scale, redact bool, each func(fn func(ComplianceRow) error) error) (int, error) {
	cw := csv.NewWriter(w)
	if err := cw.Write(ComplianceHeader(redact)); err != nil {
		return 0, err
	}
	n := 0
	err := each(func(r ComplianceRow) error {
		n++
		return cw.Write(ComplianceRecord(r, scale, redact))
	})
	if err != nil {
		return n, err
	}
	cw.Flush()
	return n, cw.Error()
}
