package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/internal/slackemu"
	"github.com/massperform/massperform/metrics"
)

// scrape returns what /metrics shows.
func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec.Body.String()
}

// TestSlackErrorsAreCounted: Slack refuses most calls with HTTP 200 and
// ok:false. Those count as slack_error, by Slack's error code, not as ok,
// and the client still reads the whole answer (slack-go reports the code).
func TestSlackErrorsAreCounted(t *testing.T) {
	emu := slackemu.New(slackemu.Config{})
	t.Cleanup(emu.Close)
	emu.AddUser(slackemu.User{ID: "U1", Name: "one", RealName: "One", Email: "one@example.org"})
	m := metrics.New()
	api := slack.New(emu.BotToken(), slack.OptionAPIURL(emu.APIURL()),
		slack.OptionHTTPClient(&http.Client{Transport: m.Transport(nil)}))
	ctx := context.Background()

	if _, _, err := api.PostMessageContext(ctx, "U1", slack.MsgOptionText("hello", false)); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, _, err := api.PostMessageContext(ctx, "C0NOWHERE", slack.MsgOptionText("hello", false))
		var se slack.SlackErrorResponse
		if !errors.As(err, &se) || se.Err != "channel_not_found" {
			t.Fatalf("the client did not get Slack's answer whole: %v", err)
		}
	}
	if _, err := api.GetUserByEmailContext(ctx, "nobody@example.org"); err == nil || !strings.Contains(err.Error(), "users_not_found") {
		t.Fatalf("lookup of nobody: %v", err)
	}
	u, err := api.GetUserByEmailContext(ctx, "one@example.org")
	if err != nil || u.ID != "U1" {
		t.Fatalf("lookup of one: %v, %v", u, err)
	}

	body := scrape(t, m)
	for _, want := range []string{
		`massperform_slack_calls_total{method="chat.postMessage",outcome="ok"} 1`,
		`massperform_slack_calls_total{method="chat.postMessage",outcome="slack_error"} 2`,
		`massperform_slack_errors_total{error="channel_not_found",method="chat.postMessage"} 2`,
		`massperform_slack_calls_total{method="users.lookupByEmail",outcome="ok"} 1`,
		`massperform_slack_calls_total{method="users.lookupByEmail",outcome="slack_error"} 1`,
		`massperform_slack_errors_total{error="users_not_found",method="users.lookupByEmail"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s:\n%s", want, grep(body, "massperform_slack"))
		}
	}
}

// TestSlackErrorLabelsStayFew: an error code that is not Slack's kind of
// word, and codes past the first 64, are counted as "other", so a broken
// proxy cannot grow the metrics without bound.
func TestSlackErrorLabelsStayFew(t *testing.T) {
	m := metrics.New()
	var answer string
	next := roundTripper(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(answer)), Request: r}, nil
	})
	tr := m.Transport(next)
	call := func(body string) string {
		answer = body
		req := httptest.NewRequest(http.MethodPost, "https://slack.com/api/chat.postMessage", nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return string(got)
	}
	weird := `{"ok":false,"error":"<html>Bad Gateway</html> token=xoxb-123"}`
	if got := call(weird); got != weird {
		t.Fatalf("the body reached the client as %q", got)
	}
	for i := range 100 {
		call(fmt.Sprintf(`{"ok":false,"error":"code_%c%c"}`, 'a'+i/26, 'a'+i%26))
	}
	call(`not json`)
	call(`{"ok":true,"error":"ignored"}`)
	body := scrape(t, m)
	if n := strings.Count(body, "massperform_slack_errors_total{"); n != 65 {
		t.Errorf("%d error series, want 64 codes and other:\n%s", n, grep(body, "massperform_slack_errors"))
	}
	for _, want := range []string{
		`massperform_slack_errors_total{error="other",method="chat.postMessage"} 37`,
		`massperform_slack_calls_total{method="chat.postMessage",outcome="slack_error"} 101`,
		`massperform_slack_calls_total{method="chat.postMessage",outcome="ok"} 2`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s:\n%s", want, grep(body, "massperform_slack"))
		}
	}
	if strings.Contains(body, "xoxb-123") || strings.Contains(body, "Bad Gateway") {
		t.Error("an error that is not Slack's code reached a label")
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// grep returns the lines of s that contain word.
func grep(s, word string) string {
	var out []string
	for l := range strings.Lines(s) {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "")
}

// TestBuildInfoAndOutbox: the build's version, and the outbox by status
// with the age of its oldest pending notification; a failing read shows
// as an error of the scrape's series, not as zeros.
func TestBuildInfoAndOutbox(t *testing.T) {
	m := metrics.New()
	m.BuildInfo("1.2.3")
	fail := false
	m.Outbox(func(context.Context) (map[string]int, error) { return map[string]int{"pending": 3, "sent": 40}, nil },
		func(context.Context) (time.Duration, error) {
			if fail {
				return 0, fmt.Errorf("database gone")
			}
			return 90 * time.Second, nil
		})
	body := scrape(t, m)
	for _, want := range []string{
		`massperform_build_info{goversion="go`, `version="1.2.3"} 1`,
		`massperform_outbox_notifications{status="pending"} 3`, `massperform_outbox_notifications{status="sent"} 40`,
		"massperform_outbox_oldest_pending_age_seconds 90",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s:\n%s", want, grep(body, "massperform_"))
		}
	}
	fail = true
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "database gone") {
		t.Errorf("a failed read: %d %s", rec.Code, rec.Body)
	}
}
