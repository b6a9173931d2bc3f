package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/massperform/massperform/storage/storagetest"
)

// get fetches a path from the bot's HTTP listener.
func (w *world) get(path string) (int, string) {
	w.t.Helper()
	resp, err := http.Get("http://" + w.http + path)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestProbesAndMetrics: /healthz says the process is up, /readyz that the
// database answers and Slack is connected (and says which is not), and
// /metrics counts envelopes, acks, Slack calls and the outbox, with no
// token and nothing anyone typed.
func TestProbesAndMetrics(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := startCast(t, url, "2026-08-03")
		if code, body := w.get("/healthz"); code != 200 || body != "ok\n" {
			t.Fatalf("/healthz: %d %q", code, body)
		}
		// Ready, and saying what is missing for HR's digest: the cast has no
		// HR_CHANNEL.
		if code, body := w.get("/readyz"); code != 200 || !strings.HasPrefix(body, "ready\nbut HR's digest is held back: HR_CHANNEL is not set, so the digest has nowhere to go: make a private channel for HR, type /invite @MassPerform in it") {
			t.Fatalf("/readyz: %d %q", code, body)
		}
		setExpectations(t, w) // a command, a modal, a submission, a DM, a button
		w.reply(eli, "status <!channel> secret-words")
		_, body := w.get("/metrics")
		mustContain(t, "/metrics", body,
			`massperform_envelopes_total{type="slash_commands"}`,
			`massperform_envelopes_total{type="interactive"}`,
			`massperform_ack_duration_seconds_bucket{type="slash_commands",le="0.05"}`,
			`massperform_build_info{goversion="go`, `massperform_outbox_oldest_pending_age_seconds `,
			`massperform_slack_calls_total{method="views.open",outcome="ok"}`,
			`massperform_slack_calls_total{method="chat.postMessage",outcome="ok"}`,
			`massperform_outbox_notifications{status="sent"}`,
			`massperform_outbox_notifications{status="pending"}`,
			"go_goroutines", "process_resident_memory_bytes")
		mustNotContain(t, "/metrics", body, w.emu.BotToken(), w.emu.AppToken(), "secret-words", "permit")
		mustNotContain(t, "the logs", w.logs.String(), w.emu.BotToken(), w.emu.AppToken(), "secret-words", "permit", "Triage in 2 days")

		// Slack gone: not ready, and says why; back: ready again.
		w.emu.FailNext("apps.connections.open", 503, 2)
		w.emu.DropConnections()
		deadline := time.Now().Add(30 * time.Second)
		for {
			code, body := w.get("/readyz")
			if code == 503 && strings.Contains(body, "not connected to Slack") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("/readyz while reconnecting: %d %q", code, body)
			}
			time.Sleep(5 * time.Millisecond)
		}
		for {
			if code, _ := w.get("/readyz"); code == 200 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("/readyz never came back")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}
