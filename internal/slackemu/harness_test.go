package slackemu

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// newEmu starts an emulator that is closed when the test ends.
func newEmu(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.Logf == nil {
		cfg.Logf = t.Logf
	}
	s := New(cfg)
	t.Cleanup(s.Close)
	return s
}

// apiClient returns a slack-go client pointed at the emulator.
func apiClient(s *Server, opts ...slack.Option) *slack.Client {
	base := []slack.Option{
		slack.OptionAppLevelToken(s.AppToken()),
		slack.OptionAPIURL(s.APIURL()),
	}
	return slack.New(s.BotToken(), append(base, opts...)...)
}

// handlerFunc handles one socketmode event; it must ack requests itself.
type handlerFunc func(sm *socketmode.Client, evt socketmode.Event)

// testBot is a minimal bot: a real socketmode.Client whose events go to a
// handler.
type testBot struct {
	api *slack.Client
	sm  *socketmode.Client

	mu     sync.Mutex
	events []socketmode.Event
}

// startBot runs a socketmode client against the emulator until the test
// ends and waits for it to connect.
func startBot(t *testing.T, s *Server, h handlerFunc, opts ...socketmode.Option) *testBot {
	t.Helper()
	api := apiClient(s)
	sm := socketmode.New(api, append([]socketmode.Option{socketmode.OptionLog(testLogger{t})}, opts...)...)
	b := &testBot{api: api, sm: sm}

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = sm.RunContext(ctx) })
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case evt := <-sm.Events:
				b.mu.Lock()
				b.events = append(b.events, evt)
				b.mu.Unlock()
				if h != nil && evt.Request != nil && evt.Type != socketmode.EventTypeHello {
					h(sm, evt)
				}
			}
		}
	})
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})

	wctx, wcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer wcancel()
	if err := s.WaitConnected(wctx); err != nil {
		t.Fatalf("bot did not connect: %v", err)
	}
	return b
}

// sawEvent reports whether the bot has received an event of type typ.
func (b *testBot) sawEvent(typ socketmode.EventType) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.events {
		if e.Type == typ {
			return true
		}
	}
	return false
}

// received returns the events the bot has received so far.
func (b *testBot) received() []socketmode.Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]socketmode.Event(nil), b.events...)
}

type testLogger struct{ t *testing.T }

func (l testLogger) Output(_ int, s string) error {
	l.t.Log(strings.TrimSpace(s))
	return nil
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// waitUntil polls cond for up to 5 seconds.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func wantNoViolations(t *testing.T, s *Server) {
	t.Helper()
	if v := s.Violations(); len(v) > 0 {
		t.Errorf("unexpected violations:\n%s", strings.Join(v, "\n"))
	}
}

func wantViolation(t *testing.T, s *Server, substr string) {
	t.Helper()
	for _, v := range s.Violations() {
		if strings.Contains(v, substr) {
			return
		}
	}
	t.Errorf("no violation containing %q; got:\n%s", substr, strings.Join(s.Violations(), "\n"))
}

// slackErr returns the Slack error code of err ("" if none).
func slackErr(err error) string {
	if e, ok := err.(slack.SlackErrorResponse); ok {
		return e.Err
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// simpleModal is a modal with one required text input.
func simpleModal() slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type:       slack.VTModal,
		Title:      slack.NewTextBlockObject(slack.PlainTextType, "Feedback", false, false),
		Submit:     slack.NewTextBlockObject(slack.PlainTextType, "Send", false, false),
		Close:      slack.NewTextBlockObject(slack.PlainTextType, "Cancel", false, false),
		CallbackID: "feedback",
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock("name_block",
				slack.NewTextBlockObject(slack.PlainTextType, "Name", false, false), nil,
				slack.NewPlainTextInputBlockElement(nil, "name")),
			slack.NewInputBlock("team_block",
				slack.NewTextBlockObject(slack.PlainTextType, "Team", false, false), nil,
				slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, nil, "team",
					slack.NewOptionBlockObject("red", slack.NewTextBlockObject(slack.PlainTextType, "Red", false, false), nil),
					slack.NewOptionBlockObject("blue", slack.NewTextBlockObject(slack.PlainTextType, "Blue", false, false), nil),
				)),
		}},
	}
}
