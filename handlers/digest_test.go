package handlers

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"

	"github.com/massperform/massperform/internal/slackemu"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/scheduler"
)

// chartDigest is an October digest with units of 1 to n people (unit k
// has k people, k-1 of them with expectations, one goal set, and k/2
// check-ins owed this quarter with one held), and a trend of weeks.
func chartDigest(n int, weeks ...int) review.Digest {
	day := review.NewDate(2026, 10, 12)
	d := review.Digest{Year: 2027, Day: day, Units: map[string]*review.Standing{}}
	for k := 1; k <= n; k++ {
		u := &review.Standing{People: k,
			Expectations: review.Completion{Done: k - 1, Of: k}, Goals: review.Completion{Done: min(1, k-1), Of: k - 1}, ThisQuarter: review.Completion{Done: min(1, k/2), Of: k / 2}}
		d.Units[fmt.Sprintf("Unit %02d", k)] = u
		d.Org.People += k
		for _, c := range [][2]*review.Completion{{&d.Org.Expectations, &u.Expectations}, {&d.Org.Goals, &u.Goals}, {&d.Org.ThisQuarter, &u.ThisQuarter}} {
			c[0].Done += c[1].Done
			c[0].Of += c[1].Of
		}
	}
	for i, w := range weeks {
		d.Trend = append(d.Trend, review.DigestCount{Day: day.AddDays(7 * (i - len(weeks) + 1)), Overdue: w})
	}
	return d
}

// charts decodes a digest payload and returns its chart blocks, each with
// the block after it (the chart in words), after checking the whole
// message against the emulator's Block Kit validator.
func charts(t *testing.T, payload []byte) (out []*slack.DataVisualizationBlock, words []string) {
	t.Helper()
	var raw struct {
		Blocks json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal(payload, &raw); err != nil {
		t.Fatal(err)
	}
	for _, is := range slackemu.ValidateBlocks(slackemu.SurfaceMessage, raw.Blocks) {
		t.Errorf("Slack would refuse the digest: %s", is)
	}
	var p scheduler.Payload
	if err := json.Unmarshal(payload, &p); err != nil {
		t.Fatal(err)
	}
	bs := p.Blocks.BlockSet
	for i, b := range bs {
		if c, ok := b.(*slack.DataVisualizationBlock); ok {
			out = append(out, c)
			ctx, ok := bs[i+1].(*slack.ContextBlock)
			if !ok {
				t.Fatalf("chart %q is followed by a %s, not its words", c.Title, bs[i+1].BlockType())
			}
			words = append(words, ctx.ContextElements.Elements[0].(*slack.TextBlockObject).Text)
		}
	}
	return out, words
}

// seriesOf returns a bar or line chart's categories and its series as
// name → values.
func seriesOf(t *testing.T, c *slack.DataVisualizationBlock) ([]string, map[string][]float64) {
	t.Helper()
	var axis slack.DataVisualizationAxisConfig
	var series []slack.DataVisualizationDataSeries
	switch x := c.Chart.(type) {
	case *slack.DataVisualizationBarChart:
		axis, series = x.AxisConfig, x.Series
	case *slack.DataVisualizationLineChart:
		axis, series = x.AxisConfig, x.Series
	default:
		t.Fatalf("chart %q is a %T", c.Title, c.Chart)
	}
	out := map[string][]float64{}
	for _, s := range series {
		for i, p := range s.Data {
			if p.Label != axis.Categories[i] {
				t.Errorf("series %s point %d is %q, category %q", s.Name, i, p.Label, axis.Categories[i])
			}
			out[s.Name] = append(out[s.Name], p.Value)
		}
	}
	return axis.Categories, out
}

// TestDigestCompletionChart: completion by unit is a grouped bar chart of
// the nine largest units and the rest, three series (expectations, goals,
// check-ins this quarter) in percent, with the same figures in words.
func TestDigestCompletionChart(t *testing.T) {
	payload, err := DigestMessage(chartDigest(14, 5, 0)) // nothing overdue this week
	if err != nil {
		t.Fatal(err)
	}
	cs, words := charts(t, payload)
	if len(cs) != 2 {
		t.Fatalf("%d charts, want 2", len(cs))
	}
	bar := cs[0]
	if _, ok := bar.Chart.(*slack.DataVisualizationBarChart); !ok || bar.Title != "Completion by unit, Q2, % done" {
		t.Errorf("first chart: %q, a %T", bar.Title, bar.Chart)
	}
	cats, series := seriesOf(t, bar)
	wantCats := []string{"Unit 14", "Unit 13", "Unit 12", "Unit 11", "Unit 10", "Unit 09", "Unit 08", "Unit 07", "Unit 06", "The rest (5 units)"}
	if diff := cmp.Diff(wantCats, cats); diff != "" {
		t.Errorf("categories (-want +got):\n%s", diff)
	}
	// Units 1-5 together: 15 people, 10 with expectations; goals 4 of 10;
	// check-ins 4 of 0+1+1+2+2 = 6.
	want := map[string][]float64{
		"Expectations":    {93, 92, 92, 91, 90, 89, 88, 86, 83, 67},
		"Goals":           {8, 8, 9, 10, 11, 13, 14, 17, 20, 40},
		"Check-ins in Q2": {14, 17, 17, 20, 20, 25, 25, 33, 33, 67},
	}
	if diff := cmp.Diff(want, series); diff != "" {
		t.Errorf("series (-want +got):\n%s", diff)
	}
	for _, s := range []string{
		"Unit 14 (14 people): expectations 93%, goals 8%, check-ins in Q2 14%",
		"The rest (5 units, 15 people): expectations 67%, goals 40%, check-ins in Q2 67%",
	} {
		if !strings.Contains(words[0], s) {
			t.Errorf("the bar chart's words lack %q:\n%s", s, words[0])
		}
	}
	if strings.Contains(words[0], "Unit 05") {
		t.Errorf("a unit of the rest is named on its own:\n%s", words[0])
	}
	golden(t, "digest_charts", json.RawMessage(payload))
}

// TestDigestChartsAtScale: two hundred units with long names alike, and a
// trend longer than a quarter, still make charts Slack takes.
func TestDigestChartsAtScale(t *testing.T) {
	d := chartDigest(0)
	for k := range 200 {
		d.Units[fmt.Sprintf("%s %d", strings.Repeat("Executive Office of Health and Human Services ", 3), k)] = &review.Standing{People: 1 + k%7,
			Expectations: review.Completion{Done: k % 3, Of: 2}, Goals: review.Completion{Done: 1, Of: 1}, ThisQuarter: review.Completion{Done: 0, Of: 1}}
	}
	for i := range 30 {
		d.Trend = append(d.Trend, review.DigestCount{Day: d.Day.AddDays(7 * (i - 29)), Overdue: 1000 * i})
	}
	payload, err := DigestMessage(d)
	if err != nil {
		t.Fatal(err)
	}
	if cs, _ := charts(t, payload); len(cs) != 2 {
		t.Errorf("%d charts, want 2", len(cs))
	}
}

// TestDigestChartLabels: a unit's name is cut to Slack's 20 characters,
// kept apart from a name cut alike, and shown as typed (escaped only in
// the words, which are mrkdwn); a unit with nothing due is drawn at 100
// and written "—"; up to ten units, no "rest".
func TestDigestChartLabels(t *testing.T) {
	d := chartDigest(0)
	d.Units["Executive Office of Health"] = &review.Standing{People: 3, Expectations: review.Completion{Done: 3, Of: 3}}
	d.Units["Executive Office of Housing"] = &review.Standing{People: 2, Expectations: review.Completion{Done: 1, Of: 2}}
	d.Units["<!channel> & co"] = &review.Standing{People: 1, Expectations: review.Completion{Done: 0, Of: 1}}
	payload, err := DigestMessage(d)
	if err != nil {
		t.Fatal(err)
	}
	cs, words := charts(t, payload)
	if len(cs) != 1 {
		t.Fatalf("%d charts, want 1 (one week of trend draws no line)", len(cs))
	}
	cats, series := seriesOf(t, cs[0])
	if diff := cmp.Diff([]string{"Executive Office of…", "Executive Office… 2", "<!channel> & co"}, cats); diff != "" {
		t.Errorf("categories (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{100, 100, 100}, series["Goals"]); diff != "" {
		t.Errorf("goals with nothing due (-want +got):\n%s", diff)
	}
	for _, s := range []string{"*Executive Office of Health* (3 people): expectations 100%, goals —", "&lt;!channel&gt; &amp; co (1 person): expectations 0%"} {
		if !strings.Contains(strings.ReplaceAll(words[0], "*", ""), strings.ReplaceAll(s, "*", "")) {
			t.Errorf("the words lack %q:\n%s", s, words[0])
		}
	}
	if strings.Contains(words[0], "<!channel>") {
		t.Errorf("the words ping the channel:\n%s", words[0])
	}

	empty, err := DigestMessage(chartDigest(0))
	if err != nil {
		t.Fatal(err)
	}
	if cs, _ := charts(t, empty); len(cs) != 0 {
		t.Errorf("a digest of nobody has %d charts", len(cs))
	}
}

// TestDigestOverdueChart: the quarter's overdue items week by week are a
// line, one point per week's digest, with the same figures in words.
func TestDigestOverdueChart(t *testing.T) {
	payload, err := DigestMessage(chartDigest(2, 9, 6, 4, 5, 2))
	if err != nil {
		t.Fatal(err)
	}
	cs, words := charts(t, payload)
	if len(cs) != 2 {
		t.Fatalf("%d charts, want 2", len(cs))
	}
	line := cs[1]
	if _, ok := line.Chart.(*slack.DataVisualizationLineChart); !ok || line.Title != "Overdue items, week by week, Q2" {
		t.Errorf("second chart: %q, a %T", line.Title, line.Chart)
	}
	cats, series := seriesOf(t, line)
	if diff := cmp.Diff([]string{"Sep 14", "Sep 21", "Sep 28", "Oct 5", "Oct 12"}, cats); diff != "" {
		t.Errorf("weeks (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string][]float64{"Overdue items": {9, 6, 4, 5, 2}}, series); diff != "" {
		t.Errorf("series (-want +got):\n%s", diff)
	}
	if !strings.Contains(words[1], "Sep 14: 9 · Sep 21: 6 · Sep 28: 4 · Oct 5: 5 · Oct 12: 2.") {
		t.Errorf("the line's words:\n%s", words[1])
	}
}
