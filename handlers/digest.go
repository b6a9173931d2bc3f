package handlers

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/scheduler"
)

// Digest lengths: what the message shows before pointing to the file.
const (
	digestUnits    = 15
	digestManagers = 15
	digestItems    = DigestItems
	digestNo       = 10
	// digestChartUnits is how many units the completion chart draws, the
	// largest first; the others are one group, "the rest". With it, 10
	// groups of 3 bars: inside Slack's 20 points a series, and readable.
	digestChartUnits = 9
)

// DigestItems is how many of each manager's overdue items the digest's
// message names; the file has them all (review.DigestBuilder.Listed).
const DigestItems = 3

// completionLine shows a group's completion rates, part by part.
func completionLine(p *review.Standing, wrapUps bool) string {
	parts := []string{
		rate("expectations", p.Expectations), rate("goals", p.Goals), rate("first check-in", p.FirstCheckIn),
		rate("check-ins this quarter", p.ThisQuarter), rate("confirmations", p.Confirmed), rate("development plans", p.Plans),
	}
	if wrapUps {
		parts = append(parts, rate("wrap-ups", p.WrapUps))
	}
	return strings.Join(parts, " · ")
}

func rate(what string, c review.Completion) string {
	if c.Of == 0 {
		return what + " —"
	}
	return fmt.Sprintf("%s %.0f%% (%d/%d)", what, c.Rate(), c.Done, c.Of)
}

// DigestMessage is HR's weekly digest for the channel: completion for the
// organisation and by unit, who is overdue by manager, the No answers and
// failed deliveries, inside Block Kit's limits; the full lists go in the
// CSV file (DigestCSV). It holds no ratings.
func DigestMessage(d review.Digest) ([]byte, error) {
	wrapUps := !d.Day.Before(d.Year.ManagerWrapUpOpens())
	text := fmt.Sprintf("MassPerform weekly digest, %s: %s overdue.", d.Day.Human(), plural(d.OverdueCount(), "item", "items"))
	blocks := []slack.Block{
		header(fmt.Sprintf("MassPerform · %s · week of %s", d.Year, d.Day.Human())),
		section(fmt.Sprintf("*Across the organisation* (%s)\n%s", plural(d.Org.People, "person", "people"), completionLine(&d.Org, wrapUps))),
	}
	blocks = append(blocks, completionChart(d)...)
	var units []string
	names := d.UnitNames()
	for i, u := range names {
		if i == digestUnits {
			units = append(units, fmt.Sprintf("_…and %d more units: see the file_", len(names)-i))
			break
		}
		p := d.Units[u]
		units = append(units, fmt.Sprintf("*%s* (%d): %s", esc(u), p.People, completionLine(p, wrapUps)))
	}
	if len(units) > 0 {
		blocks = append(blocks, section(fitLines("*By unit* (— where nothing is due yet)", units, "unit", "units")))
	}
	blocks = append(blocks, overdueChart(d)...)
	if len(d.Overdue) == 0 {
		blocks = append(blocks, section("*Overdue*\nNothing is overdue. 🎉"))
	} else {
		var lines []string
		for i, m := range d.Overdue {
			if i == digestManagers {
				lines = append(lines, fmt.Sprintf("_…and %d more managers: see the file_", len(d.Overdue)-i))
				break
			}
			var items []string
			shown := m.Items[:min(len(m.Items), digestItems)] // Items may hold only these (review.DigestBuilder.Listed)
			for _, o := range shown {
				items = append(items, fmt.Sprintf("%s: %s", esc(o.Person.Name), dueText(o.Year, o.Item, false)))
			}
			if more := m.Total() - len(shown); more > 0 {
				items = append(items, fmt.Sprintf("%d more", more))
			}
			manager := m.Manager.Name
			if manager == "" {
				manager = "(no manager)"
			}
			lines = append(lines, fmt.Sprintf("• *%s* (%d): %s", esc(manager), m.Total(), strings.Join(items, "; ")))
		}
		blocks = append(blocks, section(fitLines(fmt.Sprintf("*Overdue, by manager* (%s)", plural(d.OverdueCount(), "item", "items")), lines, "manager", "managers")))
	}
	if len(d.No) > 0 {
		var lines []string
		for i, n := range d.No {
			if i == digestNo {
				lines = append(lines, fmt.Sprintf("_…and %d more: see the file_", len(d.No)-i))
				break
			}
			lines = append(lines, fmt.Sprintf("• %s: “%s” (%s)", esc(n.Person.Name), review.QuestionText(n.Answer.Stage, n.Answer.Question), review.DateOf(n.Answer.AnsweredAt).Human()))
		}
		blocks = append(blocks, section(fitLines(fmt.Sprintf("*Answered No* (%d)", len(d.No)), lines, "answer", "answers")))
	}
	if c := d.Closing; c != nil {
		text := "Everything in it is done: HR can close it with `/perform year close " + c.Year.String() + "`."
		if lines := c.Lines(); len(lines) > 0 {
			text = strings.Join(lines, " · ") + ". `/perform year` has the details."
		}
		blocks = append(blocks, section(fmt.Sprintf("*%s, still open* (it ended on %s)\n%s", c.Year, c.Year.End().Human(), text)))
	}
	if d.PlansOverdue > 0 {
		blocks = append(blocks, section(fmt.Sprintf("*Improvement plans past their re-evaluation day:* %d. Their managers are reminded.", d.PlansOverdue)))
	}
	if d.Appeals > 0 {
		overdue := ""
		if d.HearingsOverdue > 0 {
			overdue = fmt.Sprintf(", %s overdue", plural(d.HearingsOverdue, "hearing", "hearings"))
		}
		blocks = append(blocks, section(fmt.Sprintf("*Appeals of ratings:* %d open%s. `/perform appeals` lists them.", d.Appeals, overdue)))
	}
	if d.Failed > 0 {
		blocks = append(blocks, section(fmt.Sprintf("*Messages we could not deliver this week:* %d. They are in the database's outbox, marked failed.", d.Failed)))
	}
	blocks = append(blocks, note("The full lists are in the CSV file with this digest. Ratings never appear here."))
	return scheduler.EncodePayload(text, blocks)
}

// chartGroup is one group of bars in the completion chart: a unit, or the
// rest of them.
type chartGroup struct {
	name  string // in full, for the text
	units int    // how many units it holds
	s     review.Standing
}

// completionGroups returns the largest units (by people, then name), at
// most digestChartUnits of them, and the rest added up as one group.
func completionGroups(d review.Digest) []chartGroup {
	names := d.UnitNames()
	slices.SortStableFunc(names, func(a, b string) int { return cmp.Compare(d.Units[b].People, d.Units[a].People) })
	if len(names) <= digestChartUnits+1 {
		out := make([]chartGroup, len(names))
		for i, u := range names {
			out[i] = chartGroup{name: u, units: 1, s: *d.Units[u]}
		}
		return out
	}
	out := make([]chartGroup, 0, digestChartUnits+1)
	for _, u := range names[:digestChartUnits] {
		out = append(out, chartGroup{name: u, units: 1, s: *d.Units[u]})
	}
	rest := chartGroup{units: len(names) - digestChartUnits}
	rest.name = fmt.Sprintf("The rest (%d units)", rest.units)
	for _, u := range names[digestChartUnits:] {
		p := d.Units[u]
		rest.s.People += p.People
		for _, pair := range [][2]*review.Completion{{&rest.s.Expectations, &p.Expectations}, {&rest.s.Goals, &p.Goals}, {&rest.s.ThisQuarter, &p.ThisQuarter}} {
			pair[0].Done += pair[1].Done
			pair[0].Of += pair[1].Of
		}
	}
	return append(out, rest)
}

// completionChart draws completion by unit (expectations, goals,
// check-ins this quarter) as grouped bars, in percent done: the largest
// units and the rest. A unit with nothing due in a part is drawn at 100
// (nothing outstanding) and written "—". The context below it says the
// same figures in words, for screen readers and clients that cannot show
// the chart.
func completionChart(d review.Digest) []slack.Block {
	groups := completionGroups(d)
	if len(groups) == 0 {
		return nil
	}
	q := review.QuarterOf(d.Day)
	names := make([]string, len(groups))
	for i, g := range groups {
		names[i] = g.name
	}
	labels := chartLabels(names)
	parts := []struct {
		name string
		of   func(*review.Standing) review.Completion
	}{
		{"Expectations", func(s *review.Standing) review.Completion { return s.Expectations }},
		{"Goals", func(s *review.Standing) review.Completion { return s.Goals }},
		{"Check-ins in " + q.String(), func(s *review.Standing) review.Completion { return s.ThisQuarter }},
	}
	series := make([]chartSeries, len(parts))
	lines := make([]string, len(groups))
	for i, g := range groups {
		var cells []string
		for j, part := range parts {
			c := part.of(&g.s)
			series[j].Name = part.name
			series[j].Values = append(series[j].Values, math.Round(c.Rate()))
			cells = append(cells, strings.ToLower(part.name[:1])+part.name[1:]+" "+percent(c))
		}
		head := fmt.Sprintf("%s (%s)", esc(truncate(oneLine(g.name), 80)), plural(g.s.People, "person", "people"))
		if g.units > 1 {
			head = fmt.Sprintf("The rest (%d units, %s)", g.units, plural(g.s.People, "person", "people"))
		}
		lines[i] = head + ": " + strings.Join(cells, ", ")
	}
	title := fmt.Sprintf("Completion by unit, %s, %% done", q)
	return []slack.Block{
		seriesChart(false, title, "Unit, largest first", "% done", labels, series),
		note(fitLines("_The chart in words: "+strings.ToLower(title[:1])+title[1:]+" (— where nothing is due yet, drawn at 100%)_", lines, "unit", "units")),
	}
}

// percent is a completion as the chart draws it: "80%", or "—" when
// nothing is due.
func percent(c review.Completion) string {
	if c.Of == 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f%%", math.Round(c.Rate()))
}

// overdueChart draws the quarter's overdue items week by week as a line
// (d.Trend: each week's last digest, this one last), with the same
// figures in words below it. It needs two weeks to draw a line.
func overdueChart(d review.Digest) []slack.Block {
	trend := d.Trend
	if len(trend) > maxChartPoints {
		trend = trend[len(trend)-maxChartPoints:] // a quarter has 14 weeks at most; kept safe all the same
	}
	if len(trend) < 2 {
		return nil
	}
	days := make([]string, len(trend))
	values := make([]float64, len(trend))
	words := make([]string, len(trend))
	for i, c := range trend {
		days[i] = c.Day.In(time.UTC).Format("Jan 2")
		values[i] = float64(c.Overdue)
		words[i] = fmt.Sprintf("%s: %d", days[i], c.Overdue)
	}
	q := review.QuarterOf(d.Day)
	title := fmt.Sprintf("Overdue items, week by week, %s", q)
	return []slack.Block{
		seriesChart(true, title, "Digest of the week", "Items overdue", chartLabels(days), []chartSeries{{Name: "Overdue items", Values: values}}),
		note(fmt.Sprintf("_The chart in words: overdue items at each week's digest this quarter (weeks without one are left out)_: %s.", strings.Join(words, " · "))),
	}
}

// DigestCSV is the digest's full lists, one line per unit, overdue item and
// No answer, after a byte-order mark when bom is set (DIGEST_CSV_BOM).
func DigestCSV(d review.Digest, bom bool) []byte {
	var b bytes.Buffer
	_ = WriteDigestCSV(&b, d, bom) // a bytes.Buffer takes every write
	return b.Bytes()
}

// WriteDigestCSV writes DigestCSV's file to w as it goes, so that the
// file of a large organisation need not be held whole.
func WriteDigestCSV(out io.Writer, d review.Digest, bom bool) error {
	if _, err := io.WriteString(out, bomIf(bom)); err != nil {
		return err
	}
	w := csv.NewWriter(out)
	_ = w.Write([]string{"section", "unit", "manager", "person", "what", "date", "people", "expectations", "goals", "first_checkin", "this_quarter", "confirmations", "plans", "wrapups"})
	pct := func(c review.Completion) string {
		if c.Of == 0 {
			return ""
		}
		return fmt.Sprintf("%.1f", c.Rate())
	}
	for _, u := range d.UnitNames() {
		p := d.Units[u]
		_ = w.Write([]string{"unit", review.SpreadsheetSafe(u), "", "", "", "", fmt.Sprint(p.People), pct(p.Expectations), pct(p.Goals), pct(p.FirstCheckIn), pct(p.ThisQuarter), pct(p.Confirmed), pct(p.Plans), pct(p.WrapUps)})
	}
	d.EachOverdue(func(m *review.ManagerOverdue, o review.Overdue) {
		what := fromSlack(dueText(o.Year, o.Item, false))
		_ = w.Write([]string{"overdue", review.SpreadsheetSafe(o.Person.Unit), review.SpreadsheetSafe(m.Manager.Name), review.SpreadsheetSafe(o.Person.Name), what, o.Item.DueBy.String()})
	})
	for _, n := range d.No {
		_ = w.Write([]string{"answered_no", review.SpreadsheetSafe(n.Person.Unit), "", review.SpreadsheetSafe(n.Person.Name), review.QuestionText(n.Answer.Stage, n.Answer.Question), review.DateOf(n.Answer.AnsweredAt).String()})
	}
	w.Flush()
	return w.Error()
}
