package bot_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/internal/slackemu"
)

// TestHelloCheckStopsTheBot: a bot whose hello check refuses never takes
// an envelope: Run returns the refusal, and what Slack sends goes to the
// app's other connection. Its check hears the app and the connections
// Slack reports.
func TestHelloCheckStopsTheBot(t *testing.T) {
	emu := slackemu.New(slackemu.Config{AppID: "A0LIVE"})
	t.Cleanup(emu.Close)
	emu.AddUser(slackemu.User{ID: user, Name: "tess"})
	newBot := func(name string) *bot.Bot {
		api := bot.NewAPI(slack.New(emu.BotToken(), slack.OptionAppLevelToken(emu.AppToken()), slack.OptionAPIURL(emu.APIURL())))
		return bot.New(api, router(map[string]bot.CommandFunc{
			"who": func(ctx context.Context, c *bot.Command) { c.Reply(ctx, bot.Message{Text: name}) },
		}), slog.New(slog.NewTextHandler(io.Discard, nil)))
	}
	run := func(b *bot.Bot) <-chan error {
		ctx, cancel := context.WithCancel(context.Background())
		done, stopped := make(chan error, 1), make(chan struct{})
		go func() { done <- b.Run(ctx); close(stopped) }()
		t.Cleanup(func() { cancel(); <-stopped })
		return done
	}

	first := newBot("first")
	heard := make(chan bot.Hello, 10)
	first.CheckHello(func(h bot.Hello) error { heard <- h; return nil })
	run(first)
	hello := func() bot.Hello {
		t.Helper()
		select {
		case h := <-heard:
			return h
		case <-time.After(10 * time.Second):
			t.Fatal("the first bot heard no hello")
		}
		return bot.Hello{}
	}
	if h := hello(); h != (bot.Hello{AppID: "A0LIVE", Connections: 1, First: true}) {
		t.Fatalf("the first bot heard %+v", h)
	}
	<-first.Ready()

	refusal := errors.New("another connection is open")
	second := newBot("second")
	var secondHeard bot.Hello
	second.CheckHello(func(h bot.Hello) error {
		secondHeard = h
		if h.Connections > 1 {
			return refusal
		}
		return nil
	})
	select {
	case err := <-run(second):
		if !errors.Is(err, refusal) {
			t.Fatalf("Run = %v, want the refusal", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the refused bot kept running")
	}
	if secondHeard.Connections != 2 || !secondHeard.First || second.Connected() {
		t.Errorf("the second bot heard %+v, connected %v", secondHeard, second.Connected())
	}
	select {
	case <-second.Ready():
		t.Error("a refused bot says it is ready")
	default:
	}
	closing := ctx(t)
	for emu.Connections() != 1 { // the refused bot's connection closing
		select {
		case <-closing.Done():
			t.Fatalf("%d connections", emu.Connections())
		case <-time.After(10 * time.Millisecond):
		}
	}
	// A reconnection is not the first hello.
	emu.DropConnections()
	if h := hello(); h.First || h.AppID != "A0LIVE" {
		t.Errorf("after a reconnection the first bot heard %+v", h)
	}
	for i := range 4 {
		if _, err := emu.SlashCommand(ctx(t), user, "/perform", "who"); err != nil {
			t.Fatal(err)
		}
		if m := lastReply(t, emu, i+1); m.Text != "first" {
			t.Errorf("command %d answered by %q", i+1, m.Text)
		}
	}
}
