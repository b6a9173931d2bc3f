package review

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// RosterEntry is one person in a roster file.
type RosterEntry struct {
	Line         int
	Email        string // lower case
	Name         string
	ManagerEmail string // lower case, "" for the top of the tree
	Unit         string
	HR           bool   // HRRole is not HRNone
	HRRole       HRRole // the hr column: agency, secretariat, hrd or chro
	HireDate     Date   // zero when the column is absent or empty
	// Leave is the leave the file records for the person, starting on
	// Leave.From (To zero: open); From is zero when leave_from is absent
	// or empty, and the leave recorded is then left as it is.
	Leave Leave

	// Set when the email has been resolved to a Slack user.
	SlackID string
	TZ      string
}

// Problem is something wrong with one line of an input file. Line 0 means
// the file as a whole.
type Problem struct {
	Line    int
	Message string
}

func (p Problem) String() string {
	if p.Line == 0 {
		return p.Message
	}
	return fmt.Sprintf("line %d: %s", p.Line, p.Message)
}

// Roster columns. The first five are required; hire_date and the leave's
// pair are optional.
var (
	rosterRequired = []string{"email", "name", "manager_email", "unit", "hr"}
	rosterOptional = []string{"hire_date", "leave_from", "leave_to"}
)

// Roster field limits.
const (
	MaxNameLength = 200
	MaxUnitLength = 200
)

// ReadRoster reads a roster CSV (header email,name,manager_email,unit,hr
// and optionally hire_date, leave_from and leave_to) and checks it as a whole: every malformed row,
// duplicate email, manager missing from the file and reporting cycle is
// reported with its line number. Problems come back sorted by line; when
// there are any, the entries must not be used.
func ReadRoster(r io.Reader) ([]RosterEntry, []Problem) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = false

	var problems []Problem
	add := func(line int, format string, args ...any) {
		problems = append(problems, Problem{line, fmt.Sprintf(format, args...)})
	}

	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, []Problem{{0, "the file is empty: it needs a header line " + strings.Join(rosterRequired, ",")}}
	}
	if err != nil {
		return nil, []Problem{{1, "the header line is not valid CSV: " + csvReason(err)}}
	}
	col, hp := rosterColumns(header)
	if len(hp) > 0 {
		return nil, hp
	}

	// entries are the good rows; checked are all rows with a usable email,
	// so that a row with one problem is still checked for the others.
	var entries, checked []RosterEntry
	eachRecord(cr, len(header), add, func(line int, rec []string) {
		e, msgs := rosterEntry(line, rec, col)
		for _, m := range msgs {
			add(line, "%s", m)
		}
		if len(msgs) == 0 {
			entries = append(entries, e)
		}
		if e.Email != "" {
			checked = append(checked, e)
		}
	})
	if len(entries) == 0 && len(problems) == 0 {
		add(0, "the file has a header but nobody in it")
	}
	problems = append(problems, rosterTreeProblems(checked)...)
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].Line < problems[j].Line })
	if len(problems) > 0 {
		return nil, problems
	}
	return entries, nil
}

func csvReason(err error) string {
	if pe, ok := errors.AsType[*csv.ParseError](err); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

// rosterColumns maps column names to their positions.
func rosterColumns(header []string) (map[string]int, []Problem) {
	col := map[string]int{}
	var problems []Problem
	known := map[string]bool{}
	for _, c := range append(append([]string{}, rosterRequired...), rosterOptional...) {
		known[c] = true
	}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch {
		case !known[name]:
			problems = append(problems, Problem{1, fmt.Sprintf("unknown column %q (the columns are %s, and optionally %s)", h, strings.Join(rosterRequired, ","), strings.Join(rosterOptional, ","))})
		default:
			if _, dup := col[name]; dup {
				problems = append(problems, Problem{1, fmt.Sprintf("column %q appears twice", name)})
			}
			col[name] = i
		}
	}
	for _, c := range rosterRequired {
		if _, ok := col[c]; !ok {
			problems = append(problems, Problem{1, fmt.Sprintf("missing column %q", c)})
		}
	}
	return col, problems
}

// rosterEntry checks one row's fields on their own.
func rosterEntry(line int, rec []string, col map[string]int) (RosterEntry, []string) {
	field := func(name string) string {
		i, ok := col[name]
		if !ok {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	e := RosterEntry{Line: line, Name: field("name"), Unit: field("unit")}
	var msgs []string
	var err error
	if e.Email, err = parseEmail(field("email")); err != nil {
		msgs = append(msgs, "email: "+err.Error())
	}
	if m := field("manager_email"); m != "" {
		if e.ManagerEmail, err = parseEmail(m); err != nil {
			msgs = append(msgs, "manager_email: "+err.Error())
		} else if e.ManagerEmail == e.Email {
			msgs = append(msgs, "manager_email: a person cannot be their own manager")
			e.ManagerEmail = "" // reported; not a cycle too
		}
	}
	switch {
	case e.Name == "":
		msgs = append(msgs, "name is empty")
	case utf8.RuneCountInString(e.Name) > MaxNameLength:
		msgs = append(msgs, fmt.Sprintf("name is longer than %d characters", MaxNameLength))
	}
	switch {
	case e.Unit == "":
		msgs = append(msgs, "unit is empty")
	case utf8.RuneCountInString(e.Unit) > MaxUnitLength:
		msgs = append(msgs, fmt.Sprintf("unit is longer than %d characters", MaxUnitLength))
	}
	if role, err := ParseHRRole(field("hr")); err != nil {
		msgs = append(msgs, fmt.Sprintf("hr must be agency, secretariat, hrd, chro, true or false, not %q", field("hr")))
	} else {
		e.HRRole, e.HR = role, role != HRNone
	}
	if h := field("hire_date"); h != "" {
		if e.HireDate, err = ParseDate(h); err != nil {
			msgs = append(msgs, fmt.Sprintf("hire_date %q is not a date like 2026-07-01", h))
		}
	}
	return e, append(msgs, rosterLeave(&e, field("leave_from"), field("leave_to"))...)
}

// rosterLeave reads a row's leave_from and leave_to into e.Leave: a start
// and an optional end, not before the start; an end alone is a problem
// (to end a leave, the file gives its start too).
func rosterLeave(e *RosterEntry, from, to string) []string {
	var msgs []string
	var l Leave
	var err error
	if from != "" {
		if l.From, err = ParseDate(from); err != nil {
			msgs = append(msgs, fmt.Sprintf("leave_from %q is not a date like 2027-01-04", from))
		}
	}
	if to != "" {
		if l.To, err = ParseDate(to); err != nil {
			msgs = append(msgs, fmt.Sprintf("leave_to %q is not a date like 2027-03-31", to))
		}
	}
	switch {
	case len(msgs) > 0:
		return msgs
	case from == "" && to != "":
		return []string{"leave_to needs the leave's start in leave_from"}
	case !l.To.IsZero() && l.To.Before(l.From):
		return []string{fmt.Sprintf("leave_to %s is before leave_from %s", l.To, l.From)}
	}
	e.Leave = l
	return nil
}

func parseEmail(s string) (string, error) {
	if s == "" {
		return "", errors.New("empty")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", fmt.Errorf("%q is not an email address", s)
	}
	return strings.ToLower(s), nil
}

// rosterTreeProblems checks the file as a whole: duplicate emails, managers
// who are not in the file, and reporting cycles.
func rosterTreeProblems(entries []RosterEntry) []Problem {
	var problems []Problem
	byEmail := map[string]RosterEntry{}
	for _, e := range entries {
		if first, dup := byEmail[e.Email]; dup {
			problems = append(problems, Problem{e.Line, fmt.Sprintf("%s is already on line %d", e.Email, first.Line)})
			continue
		}
		byEmail[e.Email] = e
	}
	for _, e := range entries {
		if e.ManagerEmail != "" && byEmail[e.ManagerEmail].Email == "" {
			problems = append(problems, Problem{e.Line, fmt.Sprintf("manager %s is not in the file", e.ManagerEmail)})
		}
	}
	// Walk up from everyone; a walk that meets itself is a cycle. Each
	// cycle is reported once, on the line of its first member in the file.
	const (
		unseen = iota
		walking
		done
	)
	state := map[string]int{}
	for _, start := range entries {
		if state[start.Email] != unseen {
			continue
		}
		var path []string
		cur := start.Email
		for cur != "" && state[cur] == unseen {
			state[cur] = walking
			path = append(path, cur)
			cur = byEmail[cur].ManagerEmail
		}
		if cur != "" && state[cur] == walking {
			i := slices.Index(path, cur)
			cycle := path[i:]
			first := byEmail[cycle[0]]
			for _, m := range cycle {
				if byEmail[m].Line < first.Line {
					first = byEmail[m]
				}
			}
			problems = append(problems, Problem{first.Line, fmt.Sprintf("reporting cycle: %s → %s", strings.Join(cycle, " → "), cycle[0])})
		}
		for _, p := range path {
			state[p] = done
		}
	}
	return problems
}

// eachRecord reads the records of a CSV file after its header and calls
// fn with each one that has width fields, with its line. A record that is
// not valid CSV, or has another number of fields, is told to add with its
// line; blank lines are skipped.
func eachRecord(cr *csv.Reader, width int, add func(line int, format string, args ...any), fn func(line int, rec []string)) {
	lastOffset := int64(-1)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			line := 0
			if pe, ok := errors.AsType[*csv.ParseError](err); ok {
				line = pe.StartLine
			}
			add(line, "not valid CSV: %s", csvReason(err))
			if off := cr.InputOffset(); off == lastOffset {
				return // the reader cannot move past this; stop rather than spin
			} else {
				lastOffset = off
			}
			continue
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		if len(rec) != width {
			add(line, "expected %d columns, found %d", width, len(rec))
			continue
		}
		fn(line, rec)
	}
}
