package e2e

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/massperform/massperform/internal/slackemu"
	"github.com/massperform/massperform/storage/storagetest"
)

// TestRequestURLsRefuseWhatSlackDidNotSign: in http mode every request
// must carry Slack's signature, made with the app's signing secret, within
// 5 minutes of now, and be new. Unsigned, forged, stale and replayed
// requests get 401 and change nothing; a body larger than Slack sends gets
// 413; Slack's url_verification challenge is answered. The same requests,
// signed as Slack signs them, go through: the signature is the only
// reason the others fail.
func TestRequestURLsRefuseWhatSlackDidNotSign(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := startCast(t, url, "2026-08-03", withHTTP)
		if n := w.emu.Connections(); n != 0 {
			t.Errorf("the bot in http mode opened %d Socket Mode connections", n)
		}
		post := func(r slackemu.Request, sig slackemu.Signing) *slackemu.Response {
			t.Helper()
			resp, err := w.emu.Post(w.ctx(), r, sig)
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}
		forger := slackemu.Signing{Secret: "0123456789abcdef0123456789abcdef"}
		stale := slackemu.Signing{At: time.Now().Add(-5*time.Minute - 10*time.Second)}
		ahead := slackemu.Signing{At: time.Now().Add(5*time.Minute + 10*time.Second)}
		refusals := []struct {
			name string
			sig  slackemu.Signing
		}{
			{"unsigned", slackemu.Signing{Unsigned: true}},
			{"signed with another secret", forger},
			{"signed 5 minutes and 10 seconds ago", stale},
			{"signed 5 minutes and 10 seconds ahead", ahead},
		}

		// Slack's check of the events URL, signed like everything else.
		challenge := slackemu.Request{Path: slackemu.EventsPath, ContentType: "application/json",
			Body: []byte(`{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`)}
		if resp := post(challenge, slackemu.Signing{Unsigned: true}); resp.Status != http.StatusUnauthorized {
			t.Errorf("an unsigned challenge: %d %s", resp.Status, truncate(resp.Body))
		}
		if resp := post(challenge, slackemu.Signing{}); resp.Status != http.StatusOK || string(resp.Body) != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
			t.Errorf("the challenge was answered with %d %s", resp.Status, truncate(resp.Body))
		}

		// A command: refused every way but Slack's, which answers it.
		before := len(w.emu.MessagesTo(eli))
		for _, tt := range refusals {
			cmd, err := w.emu.CommandRequest(eli, "/perform", "help")
			if err != nil {
				t.Fatal(err)
			}
			if resp := post(cmd, tt.sig); resp.Status != http.StatusUnauthorized || bytes.Contains(resp.Body, []byte("/perform goals")) {
				t.Errorf("a command %s: %d %s, want 401 and no answer", tt.name, resp.Status, truncate(resp.Body))
			}
		}
		cmd, err := w.emu.CommandRequest(eli, "/perform", "help")
		if err != nil {
			t.Fatal(err)
		}
		at := time.Now()
		resp := post(cmd, slackemu.Signing{At: at})
		if resp.Status != http.StatusOK {
			t.Fatalf("the command, signed: %d %s", resp.Status, truncate(resp.Body))
		}
		answered := 0 // answers that came as a message, not in the response
		if !bytes.Contains(resp.Body, []byte("/perform goals")) {
			answered = 1
			// Not ready within the ack's few milliseconds (a busy
			// machine): the answer comes through the response_url.
			msgs, err := w.emu.WaitMessages(w.ctx(), eli, before+1)
			if err != nil || !strings.Contains(messageText(msgs[len(msgs)-1]), "/perform goals") {
				t.Fatalf("the command, signed: %d %s, and no answer after it: %v", resp.Status, truncate(resp.Body), err)
			}
		}
		// The same request again, signature and all: a replay.
		if resp := post(cmd, slackemu.Signing{At: at}); resp.Status != http.StatusUnauthorized || len(resp.Body) > 0 && bytes.Contains(resp.Body, []byte("/perform goals")) {
			t.Errorf("the command replayed: %d %s, want 401 and no answer", resp.Status, truncate(resp.Body))
		}

		// An event: a forged app_home_opened publishes no Home.
		home := map[string]any{"type": "app_home_opened", "user": eli, "channel": w.emu.DMChannel(eli), "tab": "home", "event_ts": "1.2"}
		for i, tt := range refusals {
			ev, err := w.emu.EventRequest(home, "Ev0FORGED"+string(rune('A'+i)))
			if err != nil {
				t.Fatal(err)
			}
			if resp := post(ev, tt.sig); resp.Status != http.StatusUnauthorized {
				t.Errorf("an event %s: %d %s, want 401", tt.name, resp.Status, truncate(resp.Body))
			}
		}
		ev, err := w.emu.EventRequest(home, "Ev0SIGNED")
		if err != nil {
			t.Fatal(err)
		}
		if resp := post(ev, slackemu.Signing{}); resp.Status != http.StatusOK {
			t.Fatalf("the event, signed: %d %s", resp.Status, truncate(resp.Body))
		}
		waitUntil(t, func() bool { return len(w.emu.CallsTo("views.publish")) == 1 })

		// Larger than anything Slack sends: refused before it is read whole.
		big := slackemu.Request{Path: slackemu.EventsPath, ContentType: "application/json",
			Body: []byte(`{"type":"event_callback","pad":"` + strings.Repeat("x", 1<<20) + `"}`)}
		if resp := post(big, slackemu.Signing{}); resp.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("a body of %d bytes: %d, want 413", len(big.Body), resp.Status)
		}

		// Nothing else happened: one answer (in the response, which the
		// emulator does not show since Post records nothing), one Home.
		if got := len(w.emu.MessagesTo(eli)); got != before+answered {
			t.Errorf("Eli was shown %d messages", got-before-answered)
		}
		if n := len(w.emu.CallsTo("views.publish")); n != 1 {
			t.Errorf("views.publish was called %d times, want once for the signed event", n)
		}
		if n := strings.Count(w.logs.String(), "request refused: not signed by Slack"); n != 2*len(refusals)+2 {
			t.Errorf("the log has %d refusals, want %d", n, 2*len(refusals)+2)
		}
		if strings.Contains(w.logs.String(), w.emu.SigningSecret()) {
			t.Error("the log shows the signing secret")
		}
	})
}

// TestSlackRetriesAFailedEvent: Slack posts an event again, with
// X-Slack-Retry-Num and X-Slack-Retry-Reason, when its request failed (the
// bot was stopping, and said 503). The retry is handled once.
func TestSlackRetriesAFailedEvent(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := startCast(t, url, "2026-08-03", withHTTP)
		first := w.http
		w.stop() // the replica Slack posts to stops: its address answers nothing
		w.start()
		// A load balancer in front of both: the first try goes to the
		// stopped one, Slack's retry to the one running.
		w.emu.DeliverTo("http://"+first, "http://"+w.http)
		if _, err := w.emu.OpenHome(w.ctx(), eli); err != nil {
			t.Fatalf("the event was never delivered: %v", err)
		}
		waitUntil(t, func() bool { return len(w.emu.CallsTo("views.publish")) == 1 })
		if !strings.Contains(w.logs.String(), "Slack delivers a request again") {
			t.Errorf("the retry did not carry X-Slack-Retry-Num")
		}
	})
}

// truncate keeps a failure's message short.
func truncate(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "…"
	}
	return string(b)
}

// TestProbesAndMetricsOverHTTP: in http mode the bot is ready once it
// takes requests, its requests are counted as Socket Mode's envelopes
// are, and neither the metrics nor the logs show the signing secret.
func TestProbesAndMetricsOverHTTP(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := startCast(t, url, "2026-08-03", withHTTP)
		if code, body := w.get("/readyz"); code != 200 || !strings.HasPrefix(body, "ready\n") {
			t.Fatalf("/readyz: %d %q", code, body)
		}
		setExpectations(t, w) // a command, a modal, a submission, a DM, a button
		mustContain(t, "Eli's home", w.home(eli), "Your FY2027")
		_, body := w.get("/metrics")
		mustContain(t, "/metrics", body,
			`massperform_envelopes_total{type="slash_commands"}`,
			`massperform_envelopes_total{type="interactive"}`,
			`massperform_envelopes_total{type="events_api"}`,
			`massperform_ack_duration_seconds_bucket{type="slash_commands",le="0.05"}`)
		mustNotContain(t, "/metrics", body, w.emu.SigningSecret(), w.emu.BotToken())
		mustNotContain(t, "the logs", w.logs.String(), w.emu.SigningSecret(), w.emu.BotToken())
		if !strings.Contains(w.logs.String(), "taking Slack's requests over HTTP") {
			t.Error("serve did not say it takes Slack's requests over HTTP")
		}
	})
}
