package handlers

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/review"
)

// Block Kit limits we design to.
const (
	maxSectionText = 3000
	maxButtonText  = 75
	maxPlainText   = 150 // headers and placeholders
)

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// esc makes user text safe inside mrkdwn: with &, < and > escaped, text
// such as "<!channel>" or "<@U123>" is shown as typed and pings nobody.
func esc(s string) string { return escaper.Replace(s) }

var unescaper = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")

// fromSlack undoes Slack's own escaping of &, < and > in text it sends us
// (a slash command's text), so that echoing it through esc shows it once.
func fromSlack(s string) string { return unescaper.Replace(s) }

// truncate shortens s to at most n characters, ending with "…" when cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRightFunc(string(r[:n-1]), isSpaceRune) + "…"
}

func isSpaceRune(r rune) bool { return r == ' ' || r == '\n' || r == '\t' }

// tooLongText returns a field message when s has more than n characters.
func tooLongText(s string, n int) string {
	if c := utf8.RuneCountInString(s); c > n {
		return fmt.Sprintf("Keep this under %d characters (it has %d).", n, c)
	}
	return ""
}

// oneLine folds line breaks so a text fits in a list line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, truncate(s, maxSectionText), false, false)
}

func plain(s string, max int) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, truncate(s, max), true, false)
}

// section is a mrkdwn section, cut to Block Kit's length limit.
func section(text string) *slack.SectionBlock {
	return slack.NewSectionBlock(mrkdwn(text), nil, nil)
}

func sectionWith(text string, accessory slack.BlockElement) *slack.SectionBlock {
	return slack.NewSectionBlock(mrkdwn(text), nil, slack.NewAccessory(accessory))
}

func note(text string) *slack.ContextBlock {
	return slack.NewContextBlock("", mrkdwn(text))
}

func header(text string) *slack.HeaderBlock {
	return slack.NewHeaderBlock(plain(text, maxPlainText))
}

func button(text, actionID, value string, primary bool) *slack.ButtonBlockElement {
	b := slack.NewButtonBlockElement(actionID, value, plain(text, maxButtonText))
	if primary {
		b.Style = slack.StylePrimary
	}
	return b
}

// textInput is an input block holding a plain-text input.
func textInput(blockID, label, initial, placeholder string, maxLen int, multiline, optional bool) *slack.InputBlock {
	el := slack.NewPlainTextInputBlockElement(nil, "text")
	el.Multiline = multiline
	el.MaxLength = maxLen
	el.InitialValue = initial
	if placeholder != "" {
		el.Placeholder = plain(placeholder, maxPlainText)
	}
	in := slack.NewInputBlock(blockID, plain(label, 2000), nil, el)
	in.Optional = optional
	return in
}

// checkbox is an optional input block with a single checkbox.
func checkbox(blockID, label, option string) *slack.InputBlock {
	opt := slack.NewOptionBlockObject("yes", plain(option, 75), nil)
	el := slack.NewCheckboxGroupsBlockElement("check", opt)
	in := slack.NewInputBlock(blockID, plain(label, 2000), nil, el)
	in.Optional = true
	return in
}

// page returns the items of page p (0-based) of size n, with the page
// actually shown (clamped) and the number of pages.
func page[T any](items []T, p, n int) (shown []T, at, pages int) {
	pages = max(1, (len(items)+n-1)/n)
	at = min(max(p, 0), pages-1)
	lo := at * n
	hi := min(lo+n, len(items))
	return items[lo:hi], at, pages
}

// fitLines joins head and lines for one section, within its length
// limit: lines that do not fit are counted ("…and 3 more goals"), never
// cut.
func fitLines(head string, lines []string, one, many string) string {
	var b strings.Builder
	b.WriteString(head)
	const room = maxSectionText - 40 // for the "more" line
	for i, l := range lines {
		if utf8.RuneCountInString(b.String())+1+utf8.RuneCountInString(l) > room {
			fmt.Fprintf(&b, "\n_…and %s more_", plural(len(lines)-i, one, many))
			break
		}
		b.WriteString("\n" + l)
	}
	return b.String()
}

// plural writes a count with its noun: "1 goal", "3 goals".
func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// textValue returns what was typed in a text input block.
func textValue(v slack.View, blockID string) string {
	return v.State.Values[blockID]["text"].Value
}

// checked reports whether the checkbox block was ticked.
func checked(v slack.View, blockID string) bool {
	return len(v.State.Values[blockID]["check"].SelectedOptions) > 0
}

// questionInputs are yes/no radio inputs for compliance questions, each
// preset to the answer already given, if any.
func questionInputs(qs []review.Question, given []review.Answer) []slack.Block {
	prior := map[string]bool{}
	answered := map[string]bool{}
	for _, a := range given {
		prior[a.Question], answered[a.Question] = a.Yes, true
	}
	blocks := make([]slack.Block, 0, len(qs))
	for _, q := range qs {
		yes := slack.NewOptionBlockObject("yes", plain("Yes", 75), nil)
		no := slack.NewOptionBlockObject("no", plain("No", 75), nil)
		radio := slack.NewRadioButtonsBlockElement("pick", yes, no)
		if answered[q.Key] {
			radio.InitialOption = no
			if prior[q.Key] {
				radio.InitialOption = yes
			}
		}
		blocks = append(blocks, slack.NewInputBlock(review.FieldAnswer+q.Key, plain(q.Text, 2000), nil, radio))
	}
	return blocks
}

// questionAnswers reads questionInputs back: by question key, nil where
// nothing was picked.
func questionAnswers(v slack.View, qs []review.Question) map[string]*bool {
	out := map[string]*bool{}
	for _, q := range qs {
		switch v.State.Values[review.FieldAnswer+q.Key]["pick"].SelectedOption.Value {
		case "yes":
			out[q.Key] = ptr(true)
		case "no":
			out[q.Key] = ptr(false)
		}
	}
	return out
}

// Limits of Slack's chart block (data_visualization), from its reference
// (https://docs.slack.dev/reference/block-kit/blocks/data-visualization-block):
// a title of at most 50 characters, at most 6 series, series names,
// categories and point labels of at most 20 characters, 1 to 20 points a
// series (one per category), axis labels of at most 50 characters. Slack
// also refuses a third chart in one message (found live: vercel/chat#696).
// The emulator's validator checks the same.
const (
	maxChartTitle  = 50
	maxChartLabel  = 20
	maxChartPoints = 20
)

// chartLabels turns names into a chart's category labels: each on one
// line, cut to maxChartLabel characters, and told apart with a number when
// cutting made two alike. Labels are plain strings Slack shows as they
// are (no mrkdwn, so nothing in them pings anyone).
func chartLabels(names []string) []string {
	out := make([]string, len(names))
	used := map[string]bool{}
	for i, n := range names {
		l := truncate(oneLine(n), maxChartLabel)
		if l == "" {
			l = "(none)"
		}
		for k := 2; used[l]; k++ {
			suffix := fmt.Sprintf(" %d", k)
			l = truncate(oneLine(n), maxChartLabel-utf8.RuneCountInString(suffix)) + suffix
		}
		used[l] = true
		out[i] = l
	}
	return out
}

// chartSeries is one named row of a chart's values, one per category.
type chartSeries struct {
	Name   string
	Values []float64
}

// seriesChart is Slack's chart block with grouped bars (line: a line chart):
// categories along the x axis, and at most 6 series, which the caller
// keeps to, as to the limits above; the words beside it say the same.
func seriesChart(line bool, title, xLabel, yLabel string, categories []string, series []chartSeries) *slack.DataVisualizationBlock {
	axis := slack.NewDataVisualizationAxisConfig(categories...).WithXLabel(xLabel).WithYLabel(yLabel)
	ss := make([]slack.DataVisualizationDataSeries, 0, len(series))
	for _, s := range series {
		pts := make([]slack.DataVisualizationDataPoint, len(categories))
		for i, c := range categories {
			pts[i] = slack.NewDataVisualizationDataPoint(c, s.Values[i])
		}
		ss = append(ss, slack.NewDataVisualizationDataSeries(s.Name, pts...))
	}
	var chart slack.DataVisualizationChart = slack.NewDataVisualizationBarChart(axis, ss...)
	if line {
		chart = slack.NewDataVisualizationLineChart(axis, ss...)
	}
	return slack.NewDataVisualizationBlock(truncate(title, maxChartTitle), chart)
}
