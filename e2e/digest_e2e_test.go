package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/massperform/massperform/handlers"
	"github.com/massperform/massperform/internal/slackemu"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// TestDigest builds HR's Monday digest in October: completion, who is
// overdue by manager, a No answer; a dry run first, then the real one to
// the HR channel with its CSV, once however often it runs.
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
		for _, m := range posted {
			switch m.Via {
			case "chat.postMessage":
				digests++
				mustContain(t, "the digest", messageText(m), "MassPerform weekly digest", "Zoe Adams")
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
