package bot_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/internal/slackemu"
)

// starter runs a bot whose router is built with the bot's API client,
// against a fresh emulator.
type starter func(t *testing.T, build func(*bot.API) *bot.Router) *slackemu.Server

// inBothModes runs f with the bot over Socket Mode, then over request URLs.
func inBothModes(t *testing.T, f func(t *testing.T, startWith starter)) {
	t.Run("socket", func(t *testing.T) { f(t, startWith) })
	t.Run("http", func(t *testing.T) {
		f(t, func(t *testing.T, build func(*bot.API) *bot.Router) *slackemu.Server {
			emu, _ := startOverHTTP(t, build)
			return emu
		})
	})
}

// startOverHTTP runs a bot that takes Slack's requests on its request
// URLs, which the emulator posts to, and returns the emulator and a stop
// function (also called when the test ends) that returns once Run has.
func startOverHTTP(t *testing.T, build func(*bot.API) *bot.Router) (*slackemu.Server, func()) {
	t.Helper()
	emu := slackemu.New(slackemu.Config{})
	t.Cleanup(emu.Close)
	emu.AddUser(slackemu.User{ID: user, Name: "tess", Email: "tess@example.org"})
	client := slack.New(emu.BotToken(), slack.OptionAPIURL(emu.APIURL()))
	api := bot.NewAPI(client)
	b := bot.New(api, build(api), slog.New(slog.NewTextHandler(io.Discard, nil)))
	mux := http.NewServeMux()
	h := b.RequestURLs(emu.SigningSecret())
	for _, p := range bot.Paths {
		mux.Handle(p, h)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	emu.DeliverTo(srv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	select {
	case <-b.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("bot never ready")
	}
	if !b.Connected() {
		t.Error("a bot taking requests says it is not")
	}
	return emu, stop
}

// TestStoppingRefusesNewRequests: once asked to stop, a bot in http mode
// refuses new requests with 503 (Slack retries an event elsewhere), lets
// the handlers under way finish, and only then returns from Run.
func TestStoppingRefusesNewRequests(t *testing.T) {
	release, started := make(chan struct{}), make(chan struct{})
	finished := make(chan struct{})
	var releaseOnce sync.Once
	free := func() { releaseOnce.Do(func() { close(release) }) }
	emu, stop := startOverHTTP(t, func(*bot.API) *bot.Router {
		return router(map[string]bot.CommandFunc{
			"wait": func(ctx context.Context, c *bot.Command) {
				close(started)
				<-release
				c.Reply(ctx, bot.Message{Text: "finished"})
				close(finished)
			},
		})
	})
	if _, err := emu.SlashCommand(ctx(t), user, "/perform", "wait"); err != nil {
		t.Fatal(err)
	}
	<-started
	t.Cleanup(free) // before stop runs, whatever happens
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	// Run is draining: a new request is refused.
	deadline := time.Now().Add(5 * time.Second)
	for {
		req, err := emu.CommandRequest(user, "/perform", "help")
		if err != nil {
			t.Fatal(err)
		}
		resp, err := emu.Post(ctx(t), req, slackemu.Signing{})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status == http.StatusServiceUnavailable {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a request while stopping got %d", resp.Status)
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case <-stopped:
		t.Fatal("Run returned with a handler still under way")
	default:
	}
	free()
	<-finished
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return once the handler finished")
	}
	if m := lastReply(t, emu, 1); m.Text != "finished" {
		t.Errorf("the handler under way answered %q", m.Text)
	}
}
