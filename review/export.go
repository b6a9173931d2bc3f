package review

import (
	"encoding/csv"
	"fmt"
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
	Rater   Person          // who gave the rating, when there is one
	Earlier []EarlierWrapUp // wrap-ups set aside when the person moved, oldest first
	Appeal  *Appeal         // the appeal of the year's rating, if there is one
}

// NotRatedLeave is the rating status of someone on leave for more than
// six months of the year.
const NotRatedLeave = "not rated (leave)"

// Withheld is what the export shows instead of a rating, and the manager's
// free text, that its viewer may not see: their own, before its release.
const Withheld = "withheld"

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
	h = append(h, "rating_status", "approved_at", "released_at", "acknowledged_at")
	if !redact {
		h = append(h, "reflection", "manager_comments", "development_note", "employee_response", "earlier_wrapups")
		h = append(h, appealColumns...)
	}
	return h
}

// appealColumns are the export's columns about an appeal. An appeal tells
// of a low rating, so they go with the rating: only in the full export,
// and withheld where the rating is.
var appealColumns = []string{"appeal_rating", "appeal_filed_on", "appeal_hearing_due", "appeal_hearing_on",
	"appeal_outcome", "appeal_new_rating", "appeal_decided_on", "appeal_reasons"}

// ComplianceRecord is the row's line of the export for viewer, in the
// header's order. Ratings are written by name, from the scale. A rating
// the viewer may not see (CanSeeRating), and the manager's free text with
// it, are withheld: withheld says so.
func ComplianceRecord(r ComplianceRow, scale Scale, viewer Actor, redact bool) (rec []string, withheld bool) {
	y := r.Year
	status := "active"
	if !r.Person.Active || y.Left {
		status = "left"
	}
	rec = []string{r.Person.Name, r.Person.Email, r.Person.Unit, r.Manager.Name, status,
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
	var reflected, rated, approved, released, acknowledged time.Time
	if w != nil {
		reflected, rated, approved, acknowledged = w.ReflectedAt, w.RatedAt, w.ApprovedAt, w.AcknowledgedAt
		if w.Released() {
			released = w.HeldAt
		}
	}
	rec = append(rec, stamp(reflected), stamp(rated))
	withheld = w.Rated() && !CanSeeRating(viewer, r.Person, r.Rater, w)
	if !redact {
		name := ""
		switch {
		case withheld:
			name = Withheld
		case w.Rated():
			name = scale.NameOf(w.Rating)
		}
		rec = append(rec, name)
	}
	ratingStatus := w.Status()
	if !w.Rated() && DefaultYearEnd.NotRatedForLeave(y.Leaves, y.Year) {
		ratingStatus = NotRatedLeave
	}
	rec = append(rec, ratingStatus, stamp(approved), stamp(released), stamp(acknowledged))
	if !redact {
		var text [4]string
		if w != nil {
			text = [4]string{w.Accomplishments, w.Comments, w.DevelopmentNote, w.Response}
		}
		if withheld {
			text[1], text[2], text[3] = Withheld, Withheld, Withheld
		}
		for _, t := range text {
			rec = append(rec, SpreadsheetSafe(t))
		}
		var earlier []string
		for _, e := range r.Earlier {
			if CanSeeRating(viewer, r.Person, e.Rater, e.WrapUp()) {
				earlier = append(earlier, fmt.Sprintf("%s: %s (set aside %s)", e.Rater.Name, scale.NameOf(e.Rating), DateOf(e.SetAsideAt)))
			}
		}
		rec = append(rec, SpreadsheetSafe(strings.Join(earlier, "; ")))
		rec = append(rec, appealCells(r.Appeal, scale, withheld)...)
	}
	for i := range 4 {
		rec[i] = SpreadsheetSafe(rec[i])
	}
	return rec, withheld
}

// appealCells are the appeal's cells: empty without one, and withheld on a
// line whose rating is (a changed rating, not yet released again, would
// show through them).
func appealCells(a *Appeal, scale Scale, withheld bool) []string {
	out := make([]string, len(appealColumns))
	if a == nil {
		return out
	}
	if withheld {
		for i := range out {
			out[i] = Withheld
		}
		return out
	}
	day := func(d Date) string {
		if d.IsZero() {
			return ""
		}
		return d.String()
	}
	newRating := ""
	if a.NewRating != "" {
		newRating = scale.NameOf(a.NewRating)
	}
	return []string{scale.NameOf(a.Rating), day(a.FiledOn), day(a.HearingDue), day(a.HearingOn),
		a.Outcome, newRating, day(a.DecidedOn), SpreadsheetSafe(a.Reasons)}
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

// WriteComplianceCSV writes the evidence export, as viewer may see it, to
// w: the header, then a line per row that each hands over. It returns how
// many rows it wrote, and in how many a rating was withheld.
func WriteComplianceCSV(w io.Writer, scale Scale, viewer Actor, redact bool, each func(fn func(ComplianceRow) error) error) (rows, withheld int, err error) {
	cw := csv.NewWriter(w)
	if err := cw.Write(ComplianceHeader(redact)); err != nil {
		return 0, 0, err
	}
	err = each(func(r ComplianceRow) error {
		rows++
		rec, held := ComplianceRecord(r, scale, viewer, redact)
		if held {
			withheld++
		}
		return cw.Write(rec)
	})
	if err != nil {
		return rows, withheld, err
	}
	cw.Flush()
	return rows, withheld, cw.Error()
}
