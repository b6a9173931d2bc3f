package review

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// PayEntry is one person's line of a pay file.
type PayEntry struct {
	Line   int
	Email  string // lower case
	Record PayRecord
}

// PayColumns are a pay file's columns, in the order HR writes them.
var PayColumns = []string{"email", "m_level", "base_salary", "class", "hire_date", "position_date", "leave_months", "military_leave", "acting", "collision"}

// payRequired are the columns a pay file may not leave out.
var payRequired = []string{"email", "m_level", "base_salary", "hire_date"}

// ReadPayFile reads HR's pay file for the merit year y: a CSV file with
// the header PayColumns (email, m_level, base_salary and hire_date
// required). It returns the entries, or every problem by line: a file with
// any problem is refused whole.
func ReadPayFile(r io.Reader, y MeritYear) ([]PayEntry, []Problem) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var problems []Problem
	add := func(line int, format string, args ...any) {
		problems = append(problems, Problem{line, fmt.Sprintf(format, args...)})
	}
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, []Problem{{0, "the file is empty: it needs a header line " + strings.Join(PayColumns, ",")}}
	}
	if err != nil {
		return nil, []Problem{{1, "the header line is not valid CSV: " + csvReason(err)}}
	}
	col := map[string]int{}
	known := map[string]bool{}
	for _, c := range PayColumns {
		known[c] = true
	}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !known[name] {
			add(1, "unknown column %q (the columns are %s)", h, strings.Join(PayColumns, ","))
			continue
		}
		if _, dup := col[name]; dup {
			add(1, "column %q appears twice", name)
		}
		col[name] = i
	}
	for _, c := range payRequired {
		if _, ok := col[c]; !ok {
			add(1, "missing column %q", c)
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	var entries []PayEntry
	seen := map[string]int{}
	eachRecord(cr, len(header), add, func(line int, rec []string) {
		e, msgs := payEntry(line, rec, col, y)
		for _, m := range msgs {
			add(line, "%s", m)
		}
		if e.Email != "" {
			if first, dup := seen[e.Email]; dup {
				add(line, "%s is also on line %d", e.Email, first)
			} else {
				seen[e.Email] = line
			}
		}
		if len(msgs) == 0 {
			entries = append(entries, e)
		}
	})
	if len(entries) == 0 && len(problems) == 0 {
		add(0, "the file has a header but nobody in it")
	}
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].Line < problems[j].Line })
	if len(problems) > 0 {
		return nil, problems
	}
	return entries, nil
}

// payEntry checks one line's fields. Salaries are never repeated in a
// problem: the file may be read aloud, or land in a log.
func payEntry(line int, rec []string, col map[string]int, y MeritYear) (PayEntry, []string) {
	field := func(name string) string {
		i, ok := col[name]
		if !ok {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	e := PayEntry{Line: line}
	var msgs []string
	var err error
	if e.Email, err = parseEmail(field("email")); err != nil {
		msgs = append(msgs, "email: "+err.Error())
	}
	r := &e.Record
	r.Level = strings.ToUpper(field("m_level"))
	band, ok := y.Band(r.Level)
	if !ok {
		msgs = append(msgs, fmt.Sprintf("m_level %q is not an M-level of the %s salary schedule (M-I to M-XII)", field("m_level"), y.Name))
	} else {
		r.Level = band.Level
	}
	if r.Salary, err = ParseCents(field("base_salary")); err != nil || r.Salary == 0 {
		msgs = append(msgs, "base_salary is not an annual salary in dollars and cents, like 74989.20")
	} else if ok && r.Salary < band.StatutoryMin {
		msgs = append(msgs, fmt.Sprintf("base_salary is below %s's statutory minimum", band.Level))
	}
	switch c := strings.ToLower(field("class")); c {
	case "", ClassClassified:
		r.Class = ClassClassified
	case ClassStatutory, ClassUnclassified:
		r.Class = c
	default:
		msgs = append(msgs, fmt.Sprintf("class must be classified, statutory or unclassified, not %q", field("class")))
	}
	if r.HireDate, err = ParseDate(field("hire_date")); err != nil {
		msgs = append(msgs, fmt.Sprintf("hire_date %q is not a date like 2006-12-29", field("hire_date")))
	}
	if s := field("position_date"); s != "" {
		if r.PositionDate, err = ParseDate(s); err != nil {
			msgs = append(msgs, fmt.Sprintf("position_date %q is not a date like 2007-03-01", s))
		}
	}
	if s := field("leave_months"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 12 {
			msgs = append(msgs, fmt.Sprintf("leave_months must be a whole number from 0 to 12, not %q", s))
		}
		r.LeaveMonths = n
	}
	for _, b := range []struct {
		name string
		to   *bool
	}{{"military_leave", &r.Military}, {"acting", &r.Acting}, {"collision", &r.Collision}} {
		switch v := strings.ToLower(field(b.name)); v {
		case "", "false", "no", "0":
		case "true", "yes", "1":
			*b.to = true
		default:
			msgs = append(msgs, fmt.Sprintf("%s must be true or false, not %q", b.name, field(b.name)))
		}
	}
	if r.Military && r.LeaveMonths == 0 {
		msgs = append(msgs, "military_leave is true but leave_months is 0: say how many months of the period were on leave")
	}
	return e, msgs
}
