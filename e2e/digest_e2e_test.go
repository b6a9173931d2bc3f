package e2e

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"

	"github.com/massperform/massperform/handlers"
	"github.com/massperform/massperform/internal/slackemu"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// TestDigest builds HR's Monday digest in October: completion, who is
// overdue by manager, a No answer; a dry run first, then the real one to
// the HR channel with its CSV, once however often it runs. The digest
// carries a bar chart of completion by unit that the emulator takes as
// Slack would; the next Monday's adds the overdue items' line, starting
// from the count the first one posted.
func TestDigest(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url, "2026-08-03")
		w.emu.PutChannel(slackemu.Channel{ID: "C0HRDIGEST", Name: "hr-digest", Private: true, Members: []string{hana, "U0BOT"}})
		w.extra["HR_CHANNEL"] = "C0HRDIGEST"
		if out, code := w.importRoster(castRoster); code != 0 {
			t.Fatalf("roster import exited %d:\n%s", code, out)
		}
		// Mona sets Eli's expectations, they meet, and Eli confirms with one No.
		s := openStore(t, w)
		ctx := context.Background()
		monaP, _ := s.PersonBySlackID(ctx, mona)
		eliP, _ := s.PersonBySlackID(ctx, eli)
		ma := review.Actor{SlackID: mona, Person: &monaP}
		ea := review.Actor{SlackID: eli, Person: &eliP}
		_, err := s.SaveExpectations(ctx, storage.Change{Actor: ma, Action: review.SetExpectations}, eliP, 2027, review.ExpectationChanges{Create: []review.Expectation{{Position: 1, Text: "Run the clinic portal"}}})
		if err != nil {
			t.Fatal(err)
		}
		_, id, err := s.SaveCheckIn(ctx, storage.Change{Actor: ma, Action: review.LogCheckIn}, eliP, 2027, review.CheckIn{HeldOn: review.NewDate(2026, 8, 3), Expectations: true, Feedback: true, First: true}, &review.Quarterly)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SaveConfirmation(ctx, storage.Change{Actor: ea, Action: review.ConfirmCheckIn}, eliP, 2027, review.Confirmation{CheckInID: id, FeedbackForManager: "ok", Answers: []review.Answer{
			{Stage: review.StageFirstCheckIn, Question: "met", Yes: true}, {Stage: review.StageFirstCheckIn, Question: "cadence", Yes: false}, {Stage: review.StageFirstCheckIn, Question: "expectations", Yes: true},
		}}); err != nil {
			t.Fatal(err)
		}
		w.clock.setDay("2026-10-12")
		w.start()

		out, code := w.cli("jobs", "run", "digest", "--dry-run")
		if code != 0 {
			t.Fatalf("dry run exited %d:\n%s", code, out)
		}
		mustContain(t, "dry run", out, "this digest would go to C0HRDIGEST",
			"Across the organisation* (5 people)", "expectations 20% (1/5)",
			"Overdue, by manager", "*Mona Lee* (", "Zoe Adams: expectations to set (was due Sep 30, 2026)",
			"Eli Ortiz: a goal for “Run the clinic portal”", "*Dana Cho* (",
			"Answered No* (1)", "Eli Ortiz: “Did you agree how often you'll check in")
		mustNotContain(t, "dry run", out, "Eli Ortiz: first check-in")
		mustContain(t, "dry run", out, "[a chart in Slack] Completion by unit, Q2, % done", "The chart in words: completion by unit",
			"EOHHS/Public Health (3 people): expectations 33%")
		if n := len(w.emu.MessagesTo("C0HRDIGEST")); n != 0 {
			t.Fatalf("a dry run posted %d messages", n)
		}

		for range 2 {
			if out, code := w.cli("jobs", "run", "digest"); code != 0 || !strings.Contains(out, "Queued the digest for C0HRDIGEST") {
				t.Fatalf("digest exited %d:\n%s", code, out)
			}
		}
		posted := w.waitChannel("C0HRDIGEST", 2) // the digest and its file
		var digests, files int
		var first slackemu.Message
		for _, m := range posted {
			switch m.Via {
			case "chat.postMessage":
				digests++
				first = m
				mustContain(t, "the digest", messageText(m), "MassPerform weekly digest", "Zoe Adams",
					"The chart in words: completion by unit, Q2, % done", "EOHHS/Public Health (3 people): expectations 33%, goals 0%, check-ins in Q2 ")
			case "files.completeUploadExternal":
				files++
			}
		}
		if digests != 1 || files != 1 {
			t.Errorf("the channel got %d digests and %d files, want one of each", digests, files)
		}
		var csv string
		for _, f := range w.emu.Files() {
			if f.Channel == "C0HRDIGEST" {
				csv = string(f.Data)
			}
		}
		charts := chartsIn(t, first)
		if len(charts) != 1 {
			t.Fatalf("the first digest has %d charts, want the bar chart alone (one week draws no line)", len(charts))
		}
		bar, ok := charts[0].Chart.(*slack.DataVisualizationBarChart)
		if !ok {
			t.Fatalf("the first digest's chart is a %T", charts[0].Chart)
		}
		if diff := cmp.Diff([]string{"EOHHS/Public Health", "EOHHS/HR", "EOHHS/Revenue"}, bar.AxisConfig.Categories); diff != "" {
			t.Errorf("the bar chart's units (-want +got):\n%s", diff)
		}
		if len(bar.Series) != 3 || bar.Series[0].Name != "Expectations" || bar.Series[0].Data[0].Value != 33 {
			t.Errorf("the bar chart's series: %+v", bar.Series)
		}

		// A week on, the digest draws the overdue items week by week.
		w.clock.setDay("2026-10-19")
		if out, code := w.cli("jobs", "run", "digest"); code != 0 {
			t.Fatalf("the next digest exited %d:\n%s", code, out)
		}
		var second slackemu.Message
		for _, m := range w.waitChannel("C0HRDIGEST", 4) {
			if m.Via == "chat.postMessage" && m.TS != first.TS {
				second = m
			}
		}
		charts = chartsIn(t, second)
		if len(charts) != 2 {
			t.Fatalf("the second digest has %d charts, want 2", len(charts))
		}
		line, ok := charts[1].Chart.(*slack.DataVisualizationLineChart)
		if !ok || charts[1].Title != "Overdue items, week by week, Q2" {
			t.Fatalf("the second chart is %q, a %T", charts[1].Title, charts[1].Chart)
		}
		want := []float64{overdueIn(t, first), overdueIn(t, second)}
		var got []float64
		for _, p := range line.Series[0].Data {
			got = append(got, p.Value)
		}
		if diff := cmp.Diff([]string{"Oct 12", "Oct 19"}, line.AxisConfig.Categories); diff != "" {
			t.Errorf("the line's weeks (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("the line's counts, against what each digest said (-want +got):\n%s", diff)
		}
		mustContain(t, "the second digest", messageText(second), "The chart in words: overdue items at each week's digest this quarter")

		mustContain(t, "the digest's file", csv, `overdue,EOHHS/Public Health,Mona Lee,Zoe Adams,"expectations to set (was due Sep 30, 2026)",2026-09-30`, "answered_no,EOHHS/Public Health,,Eli Ortiz")
		if !strings.HasPrefix(csv, handlers.ByteOrderMark+"section,unit,") {
			t.Errorf("the digest's file does not start with a byte-order mark and its header: %q", csv[:min(len(csv), 20)])
		}
	})
}

// waitChannel waits for at least n messages in a channel and returns them.
func (w *world) waitChannel(channel string, n int) []slackemu.Message {
	w.t.Helper()
	ctx := w.ctx()
	msgs, err := w.emu.WaitMessages(ctx, channel, n)
	if err != nil {
		w.t.Fatalf("%s has %d messages, want %d: %v", channel, len(w.emu.MessagesTo(channel)), n, err)
	}
	return msgs
}

// chartsIn returns the chart blocks of a message as Slack stored it.
func chartsIn(t *testing.T, m slackemu.Message) []*slack.DataVisualizationBlock {
	t.Helper()
	var msg struct {
		Blocks slack.Blocks `json:"blocks"`
	}
	if err := json.Unmarshal(m.Raw, &msg); err != nil {
		t.Fatalf("the message's blocks: %v", err)
	}
	var out []*slack.DataVisualizationBlock
	for _, b := range msg.Blocks.BlockSet {
		if c, ok := b.(*slack.DataVisualizationBlock); ok {
			out = append(out, c)
		}
	}
	return out
}

var overdueText = regexp.MustCompile(`: (\d+) items? overdue\.`)

// overdueIn reads the overdue count a digest's notification text gives.
func overdueIn(t *testing.T, m slackemu.Message) float64 {
	t.Helper()
	match := overdueText.FindStringSubmatch(m.Text)
	if match == nil {
		t.Fatalf("no overdue count in %q", m.Text)
	}
	n, _ := strconv.Atoi(match[1])
	return float64(n)
}
