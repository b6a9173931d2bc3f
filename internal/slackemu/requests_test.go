package slackemu

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// received is what a request URL was sent.
type received struct {
	path, contentType string
	retryNum, reason  string
	body              []byte
	signed            error // slack-go's SecretsVerifier on the request
}

// requestURL is a bot's request URL that records each request, checks its
// signature with slack-go, and answers with answer.
func requestURL(t *testing.T, s *Server, answer func(n int, w http.ResponseWriter)) (got func() []received) {
	t.Helper()
	var mu sync.Mutex
	var all []received
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec := received{path: r.URL.Path, contentType: r.Header.Get("Content-Type"),
			retryNum: r.Header.Get("X-Slack-Retry-Num"), reason: r.Header.Get("X-Slack-Retry-Reason"), body: body}
		sv, err := slack.NewSecretsVerifier(r.Header, s.SigningSecret())
		if err == nil {
			_, _ = sv.Write(body)
			err = sv.Ensure()
		}
		rec.signed = err
		mu.Lock()
		all = append(all, rec)
		n := len(all)
		mu.Unlock()
		answer(n, w)
	}))
	t.Cleanup(srv.Close)
	s.DeliverTo(srv.URL)
	return func() []received {
		mu.Lock()
		defer mu.Unlock()
		return append([]received(nil), all...)
	}
}

func TestDeliverOverHTTP(t *testing.T) {
	s := newEmu(t, Config{})
	s.AddUser(User{ID: "U1", Name: "ann", RealName: "Ann", Email: "ann@example.org"})
	got := requestURL(t, s, func(n int, w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"response_type":"ephemeral","text":"hello"}`)
	})
	ack, err := s.SlashCommand(ctxT(t), "U1", "/perform", "help me")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ack.Payload), `"text":"hello"`) || ack.Late {
		t.Errorf("ack = %+v", ack)
	}
	if msgs := s.MessagesTo("U1"); len(msgs) != 1 || msgs[0].Text != "hello" || msgs[0].Via != "command_ack" {
		t.Errorf("the answer in the response was not shown: %+v", msgs)
	}
	reqs := got()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	if r.signed != nil {
		t.Errorf("slack-go refuses the emulator's signature: %v", r.signed)
	}
	if r.path != CommandsPath || r.contentType != "application/x-www-form-urlencoded" || !bytes.Contains(r.body, []byte("text=help+me")) || !bytes.Contains(r.body, []byte("trigger_id=")) {
		t.Errorf("command request: %s %s %s", r.path, r.contentType, r.body)
	}

	// An event is JSON on the events path.
	if _, err := s.SendEventsAPI(ctxT(t), map[string]any{"type": "app_home_opened", "user": "U1", "tab": "home"}, 0, "Ev1"); err != nil {
		t.Fatal(err)
	}
	r = got()[1]
	var ev struct {
		Type    string `json:"type"`
		EventID string `json:"event_id"`
	}
	if err := json.Unmarshal(r.body, &ev); err != nil || r.path != EventsPath || r.contentType != "application/json" || ev.Type != "event_callback" || ev.EventID != "Ev1" || r.signed != nil {
		t.Errorf("event request: %s %s %s (%v, %v)", r.path, r.contentType, r.body, err, r.signed)
	}
	wantNoViolations(t, s)
}

// TestHTTPEventsAreRetried: an event whose request fails is posted again
// with Slack's retry headers, each time signed anew, and is no violation
// once a try succeeds; a command is never retried, and its failure is.
func TestHTTPEventsAreRetried(t *testing.T) {
	s := newEmu(t, Config{EventRetryDelays: []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond}})
	s.AddUser(User{ID: "U1", Name: "ann", RealName: "Ann", Email: "ann@example.org"})
	got := requestURL(t, s, func(n int, w http.ResponseWriter) {
		if n <= 2 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
		}
	})
	if _, err := s.SendEventsAPI(ctxT(t), map[string]any{"type": "app_home_opened", "user": "U1", "tab": "home"}, 0, "Ev1"); err != nil {
		t.Fatal(err)
	}
	reqs := got()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want the first and two retries", len(reqs))
	}
	for i, r := range reqs {
		want := [][2]string{{"", ""}, {"1", "http_error"}, {"2", "http_error"}}[i]
		if r.retryNum != want[0] || r.reason != want[1] || r.signed != nil || !bytes.Equal(r.body, reqs[0].body) {
			t.Errorf("try %d: retry %q %q, signature %v", i, r.retryNum, r.reason, r.signed)
		}
	}
	wantNoViolations(t, s)

	// A command that fails is not retried, and the user saw an error.
	s2 := newEmu(t, Config{})
	s2.AddUser(User{ID: "U1", Name: "ann", RealName: "Ann", Email: "ann@example.org"})
	got2 := requestURL(t, s2, func(_ int, w http.ResponseWriter) { http.Error(w, "no", http.StatusInternalServerError) })
	if _, err := s2.SlashCommand(ctxT(t), "U1", "/perform", ""); err == nil {
		t.Error("a command answered with 500 went through")
	}
	if n := len(got2()); n != 1 {
		t.Errorf("a failed command was posted %d times", n)
	}
	wantViolation(t, s2, "answered the slash_commands request")
}

// TestHTTPLateAndLargeAnswers: an answer after AckTimeout is late (and an
// event's is retried), one of 20 KB or more is refused, as over Socket
// Mode.
func TestHTTPLateAndLargeAnswers(t *testing.T) {
	s := newEmu(t, Config{AckTimeout: 100 * time.Millisecond, AckWait: time.Second, NoEventRetries: true})
	s.AddUser(User{ID: "U1", Name: "ann", RealName: "Ann", Email: "ann@example.org"})
	requestURL(t, s, func(n int, w http.ResponseWriter) {
		switch n {
		case 1:
			time.Sleep(200 * time.Millisecond)
		case 2:
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"text":"`+strings.Repeat("x", maxResponseBytes)+`"}`)
		}
	})
	ack, err := s.SlashCommand(ctxT(t), "U1", "/perform", "")
	if err != nil || !ack.Late {
		t.Errorf("a slow answer: %+v, %v", ack, err)
	}
	wantViolation(t, s, "late answer")
	if _, err := s.SlashCommand(ctxT(t), "U1", "/perform", ""); err == nil {
		t.Error("an answer of 20 KB went through")
	}
	wantViolation(t, s, "bytes (Slack takes less than")
}

// TestHTTPRepeatsOnlyEvents: over request URLs a repeated envelope is an
// event posted again with X-Slack-Retry-Num; a command is never repeated.
func TestHTTPRepeatsOnlyEvents(t *testing.T) {
	s := newEmu(t, Config{})
	s.AddUser(User{ID: "U1", Name: "ann", RealName: "Ann", Email: "ann@example.org"})
	got := requestURL(t, s, func(int, http.ResponseWriter) {})
	s.RepeatNextEnvelopes(1)
	if _, err := s.SlashCommand(ctxT(t), "U1", "/perform", ""); err != nil {
		t.Fatal(err)
	}
	if n := len(got()); n != 1 {
		t.Errorf("a command was posted %d times", n)
	}
	if _, err := s.SendEventsAPI(ctxT(t), map[string]any{"type": "app_home_opened", "user": "U1", "tab": "home"}, 0, "Ev1"); err != nil {
		t.Fatal(err)
	}
	reqs := got()
	if len(reqs) != 3 || reqs[1].retryNum != "" || reqs[2].retryNum != "1" || reqs[2].reason != "http_timeout" || !bytes.Equal(reqs[1].body, reqs[2].body) {
		t.Errorf("the event's copy: %+v", reqs)
	}
	wantNoViolations(t, s)
}
