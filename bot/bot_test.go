package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/internal/slackemu"
	"github.com/massperform/massperform/review"
)

const user = "U0TEST"

// start runs a bot with router r against a fresh emulator.
func start(t *testing.T, r *bot.Router) *slackemu.Server {
	t.Helper()
	return startWith(t, func(*bot.API) *bot.Router { return r })
}

// startWith runs a bot whose router is built with the bot's API client.
func startWith(t *testing.T, build func(*bot.API) *bot.Router) *slackemu.Server {
	t.Helper()
	emu := slackemu.New(slackemu.Config{})
	t.Cleanup(emu.Close)
	emu.AddUser(slackemu.User{ID: user, Name: "tess", Email: "tess@example.org"})
	client := slack.New(emu.BotToken(), slack.OptionAppLevelToken(emu.AppToken()), slack.OptionAPIURL(emu.APIURL()))
	api := bot.NewAPI(client)
	b := bot.New(api, build(api), slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	select {
	case <-b.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("bot never connected")
	}
	return emu
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// lastReply waits for the n-th message to the user and returns its text.
func lastReply(t *testing.T, emu *slackemu.Server, n int) slackemu.Message {
	t.Helper()
	msgs, err := emu.WaitMessages(ctx(t), user, n)
	if err != nil {
		t.Fatalf("no reply %d: %v (have %v)", n, err, emu.MessagesTo(user))
	}
	return msgs[n-1]
}

func router(cmds map[string]bot.CommandFunc) *bot.Router {
	r := bot.NewRouter("/perform")
	for name, fn := range cmds {
		r.Command(bot.CommandSpec{Name: name, Usage: "/perform " + name, Summary: name, Handle: fn})
	}
	r.Help(func(ctx context.Context, c *bot.Command) {
		c.Reply(ctx, bot.Message{Text: "help, unknown=" + map[bool]string{true: "yes", false: "no"}[c.Unknown] + " name=" + c.Name})
	})
	return r
}

func TestCommandRepliesAndRouting(t *testing.T) {
	inBothModes(t, func(t *testing.T, startWith starter) {
		start := func(t *testing.T, r *bot.Router) *slackemu.Server {
			return startWith(t, func(*bot.API) *bot.Router { return r })
		}
		_ = start
		emu := start(t, router(map[string]bot.CommandFunc{
			"echo": func(ctx context.Context, c *bot.Command) { c.Reply(ctx, bot.Message{Text: "rest=" + c.Rest}) },
		}))
		tests := []struct{ text, want string }{
			{"echo  hello   world ", "rest=hello   world"},
			{"ECHO x", "rest=x"},
			{"", "help, unknown=no name="},
			{"help", "help, unknown=no name=help"},
			{"nope", "help, unknown=yes name=nope"},
		}
		for i, tt := range tests {
			ack, err := emu.SlashCommand(ctx(t), user, "/perform", tt.text)
			if err != nil || ack.Late {
				t.Fatalf("%q: ack %+v, %v", tt.text, ack, err)
			}
			// A quick answer rides on the ack; under load it follows it.
			if m := lastReply(t, emu, i+1); m.Text != tt.want || (m.Via != "command_ack" && m.Via != "response_url") {
				t.Errorf("%q answered %q via %s, want %q", tt.text, m.Text, m.Via, tt.want)
			}
		}
	})
}

func TestPanicsAreRecoveredWithAnApology(t *testing.T) {
	inBothModes(t, func(t *testing.T, startWith starter) {
		start := func(t *testing.T, r *bot.Router) *slackemu.Server {
			return startWith(t, func(*bot.API) *bot.Router { return r })
		}
		_ = start
		emu := start(t, router(map[string]bot.CommandFunc{
			"boom":  func(ctx context.Context, c *bot.Command) { panic("kaboom") },
			"later": func(ctx context.Context, c *bot.Command) { c.Ack(); panic("after the ack") },
			"ok":    func(ctx context.Context, c *bot.Command) { c.Reply(ctx, bot.Message{Text: "still here"}) },
		}))
		emu.SlashCommand(ctx(t), user, "/perform", "boom")
		if m := lastReply(t, emu, 1); m.Text != bot.Apology {
			t.Errorf("panic before the ack: got %q via %s", m.Text, m.Via)
		}
		emu.SlashCommand(ctx(t), user, "/perform", "later")
		if m := lastReply(t, emu, 2); m.Text != bot.Apology || m.Via != "response_url" {
			t.Errorf("panic after the ack: got %q via %s", m.Text, m.Via)
		}
		emu.SlashCommand(ctx(t), user, "/perform", "ok")
		if m := lastReply(t, emu, 3); m.Text != "still here" {
			t.Errorf("the bot did not survive: %q", m.Text)
		}
		if v := emu.Violations(); len(v) > 0 {
			t.Errorf("violations: %v", v)
		}
	})
}

// A command whose answer is not ready within CommandAckBudget is acked
// then, and its answer follows through the response_url: Slack hears back
// at once even when the answer takes seconds.
func TestSlowCommandIsAckedInTime(t *testing.T) {
	inBothModes(t, func(t *testing.T, startWith starter) {
		start := func(t *testing.T, r *bot.Router) *slackemu.Server {
			return startWith(t, func(*bot.API) *bot.Router { return r })
		}
		_ = start
		emu := start(t, router(map[string]bot.CommandFunc{
			"slow": func(ctx context.Context, c *bot.Command) {
				time.Sleep(bot.AckBudget + 500*time.Millisecond)
				c.Reply(ctx, bot.Message{Text: "done at last"})
			},
		}))
		ack, err := emu.SlashCommand(ctx(t), user, "/perform", "slow")
		if err != nil || ack.Late || ack.Latency > bot.CommandAckBudget+time.Second || len(ack.Payload) > 0 {
			t.Fatalf("slow command ack: %+v, %v", ack, err)
		}
		if m := lastReply(t, emu, 1); m.Text != "done at last" || m.Via != "response_url" {
			t.Errorf("late answer %q via %s", m.Text, m.Via)
		}
	})
}

// A command whose answer is a form is acked as it arrives, before its
// handler reads anything: what the handler says instead of opening the
// form (here at once) follows through the response_url, and a form it
// opens uses the trigger whatever the ack carried.
func TestFormCommandIsAckedAsItArrives(t *testing.T) {
	inBothModes(t, func(t *testing.T, startWith starter) {
		emu := startWith(t, func(api *bot.API) *bot.Router {
			r := bot.NewRouter("/perform")
			r.Command(bot.CommandSpec{Name: "form", Usage: "/perform form", Summary: "form", OpensForm: true,
				Handle: func(ctx context.Context, c *bot.Command) {
					if c.Rest == "no" {
						c.Reply(ctx, bot.Message{Text: "not for you"})
						return
					}
					view := slack.ModalViewRequest{Type: slack.VTModal, CallbackID: "f", Title: slack.NewTextBlockObject("plain_text", "Form", false, false),
						Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", "hi", false, false), nil, nil)}}}
					if _, err := api.OpenViewContext(ctx, c.TriggerID, view); err != nil {
						c.Reply(ctx, bot.Message{Text: "no form: " + err.Error()})
					}
				}})
			r.Help(func(ctx context.Context, c *bot.Command) { c.Reply(ctx, bot.Message{Text: "help"}) })
			return r
		})
		ack, err := emu.SlashCommand(ctx(t), user, "/perform", "form no")
		if err != nil || ack.Late || (len(ack.Payload) > 0 && string(ack.Payload) != "null") {
			t.Fatalf("ack %+v, %v: want an empty ack", ack, err)
		}
		if m := lastReply(t, emu, 1); m.Text != "not for you" || m.Via != "response_url" {
			t.Errorf("refusal %q via %s, want it through the response_url", m.Text, m.Via)
		}
		if _, err := emu.SlashCommand(ctx(t), user, "/perform", "form"); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(2 * time.Millisecond) {
			if v := emu.TopView(user); v != nil && v.CallbackID == "f" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no form opened; messages %v", emu.MessagesTo(user))
			}
		}
		if v := emu.Violations(); len(v) > 0 {
			t.Errorf("violations: %v", v)
		}
	})
}

func TestOversizedReplyGoesThroughResponseURL(t *testing.T) {
	inBothModes(t, func(t *testing.T, startWith starter) {
		start := func(t *testing.T, r *bot.Router) *slackemu.Server {
			return startWith(t, func(*bot.API) *bot.Router { return r })
		}
		_ = start
		big := strings.Repeat("word ", 500) // 2,500 characters a section
		emu := start(t, router(map[string]bot.CommandFunc{
			"big": func(ctx context.Context, c *bot.Command) {
				var blocks []slack.Block
				for range 10 {
					blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", big, false, false), nil, nil))
				}
				c.Reply(ctx, bot.Message{Text: "big", Blocks: blocks})
			},
		}))
		ack, err := emu.SlashCommand(ctx(t), user, "/perform", "big")
		if err != nil {
			t.Fatal(err)
		}
		if ack.Size >= 20*1024 {
			t.Errorf("ack of %d bytes sent; Slack drops 20 KB and more", ack.Size)
		}
		if m := lastReply(t, emu, 1); m.Via != "response_url" || len(m.Blocks.BlockSet) != 10 {
			t.Errorf("big reply came via %s with %d blocks", m.Via, len(m.Blocks.BlockSet))
		}
		if v := emu.Violations(); len(v) > 0 {
			t.Errorf("violations: %v", v)
		}
	})
}

// withForm adds a command "form" that opens a one-field modal whose
// submission submit handles.
func withForm(submit bot.SubmitFunc) func(*bot.API) *bot.Router {
	return func(api *bot.API) *bot.Router {
		r := router(map[string]bot.CommandFunc{
			"form": func(ctx context.Context, c *bot.Command) {
				c.Ack()
				el := slack.NewPlainTextInputBlockElement(nil, "text")
				in := slack.NewInputBlock("field", slack.NewTextBlockObject("plain_text", "Field", false, false), nil, el)
				view := slack.ModalViewRequest{
					Type: slack.VTModal, CallbackID: "form",
					Title:  slack.NewTextBlockObject("plain_text", "Form", false, false),
					Submit: slack.NewTextBlockObject("plain_text", "Save", false, false),
					Blocks: slack.Blocks{BlockSet: []slack.Block{in}},
				}
				if _, err := api.OpenViewContext(ctx, c.TriggerID, view); err != nil {
					panic(err)
				}
			},
		})
		r.Submit("form", submit)
		return r
	}
}

// openForm opens the form and returns its view.
func openForm(t *testing.T, emu *slackemu.Server) *slackemu.View {
	t.Helper()
	if _, err := emu.SlashCommand(ctx(t), user, "/perform", "form"); err != nil {
		t.Fatal(err)
	}
	for range 500 {
		if v := emu.TopView(user); v != nil {
			return v
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the form never opened")
	return nil
}

func submitErrors(t *testing.T, emu *slackemu.Server, v *slackemu.View) (map[string]string, *slackemu.Ack) {
	t.Helper()
	ack, err := emu.Submit(ctx(t), user, v.ID, map[string]map[string]slack.BlockAction{
		"field": {"text": {ActionID: "text", BlockID: "field", Type: "plain_text_input", Value: "typed"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Errors map[string]string `json:"errors"`
	}
	_ = json.Unmarshal(ack.Payload, &r)
	return r.Errors, ack
}

func TestSubmissionFailuresKeepTheModalOpen(t *testing.T) {
	inBothModes(t, func(t *testing.T, startWith starter) {
		start := func(t *testing.T, r *bot.Router) *slackemu.Server {
			return startWith(t, func(*bot.API) *bot.Router { return r })
		}
		_ = start
		tests := []struct {
			name   string
			submit bot.SubmitFunc
			want   string
		}{
			{"a panic", func(context.Context, *bot.Submission) (*slack.ViewSubmissionResponse, error) { panic("kaboom") }, bot.Apology},
			{"an internal error", func(context.Context, *bot.Submission) (*slack.ViewSubmissionResponse, error) {
				return nil, errors.New("pq: secret internal detail")
			}, "Something went wrong on our side"},
			{"a domain error", func(context.Context, *bot.Submission) (*slack.ViewSubmissionResponse, error) {
				return nil, review.Errorf(review.EFORBIDDEN, "Not yours to change.")
			}, "Not yours to change."},
			{"too slow: the save is abandoned at the deadline", func(ctx context.Context, _ *bot.Submission) (*slack.ViewSubmissionResponse, error) {
				<-ctx.Done()
				return nil, &review.Error{Code: review.EUNAVAILABLE, Message: "gave up in time", Err: ctx.Err()}
			}, "gave up in time"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				emu := startWith(t, withForm(tt.submit))
				v := openForm(t, emu)
				errs, ack := submitErrors(t, emu, v)
				if !strings.Contains(errs["field"], tt.want) {
					t.Errorf("errors = %v, want %q on the field", errs, tt.want)
				}
				if strings.Contains(errs["field"], "secret") {
					t.Errorf("internal detail shown to the user: %q", errs["field"])
				}
				if ack.Late {
					t.Errorf("acked late: %v", ack.Latency)
				}
				if top := emu.TopView(user); top == nil || top.ID != v.ID || top.State["field"]["text"].Value != "typed" {
					t.Errorf("the modal or what was typed is gone: %+v", top)
				}
				if vs := emu.Violations(); len(vs) > 0 {
					t.Errorf("violations: %v", vs)
				}
			})
		}
	})
}

func TestAfterRunsOnceAcked(t *testing.T) {
	inBothModes(t, func(t *testing.T, startWith starter) {
		start := func(t *testing.T, r *bot.Router) *slackemu.Server {
			return startWith(t, func(*bot.API) *bot.Router { return r })
		}
		_ = start
		ran := make(chan struct{}, 1)
		emu := startWith(t, withForm(func(ctx context.Context, s *bot.Submission) (*slack.ViewSubmissionResponse, error) {
			s.After(func(context.Context) { ran <- struct{}{} })
			return nil, nil
		}))
		v := openForm(t, emu)
		if errs, _ := submitErrors(t, emu, v); errs != nil {
			t.Fatalf("errors %v", errs)
		}
		select {
		case <-ran:
		case <-time.After(5 * time.Second):
			t.Fatal("After never ran")
		}
		if emu.TopView(user) != nil {
			t.Error("a nil answer should close the modal")
		}
	})
}

func TestParseCommand(t *testing.T) {
	tests := []struct{ in, name, rest string }{
		{"", "", ""},
		{"  Help ", "help", ""},
		{"expectations <@U1|eli>", "expectations", "<@U1|eli>"},
		{"goals\t  extra  words", "goals", "extra  words"},
		{"team\u00a0<@U2>", "team", "<@U2>"},
	}
	for _, tt := range tests {
		name, rest := bot.ParseCommand(tt.in)
		if name != tt.name || rest != tt.rest {
			t.Errorf("ParseCommand(%q) = %q, %q; want %q, %q", tt.in, name, rest, tt.name, tt.rest)
		}
	}
}

// TestRepeatedEnvelopeHasOneEffect: an envelope that arrives twice with
// the same envelope_id is handled once; both copies are acked.
func TestRepeatedEnvelopeHasOneEffect(t *testing.T) {
	var runs atomic.Int32
	emu := start(t, router(map[string]bot.CommandFunc{
		"count": func(ctx context.Context, c *bot.Command) {
			runs.Add(1)
			c.Reply(ctx, bot.Message{Text: "counted"})
		},
	}))
	emu.RepeatNextEnvelopes(1)
	if _, err := emu.SlashCommand(ctx(t), user, "/perform", "count"); err != nil {
		t.Fatal(err)
	}
	if m := lastReply(t, emu, 1); m.Text != "counted" {
		t.Fatalf("answer %q", m.Text)
	}
	time.Sleep(200 * time.Millisecond)
	if n := runs.Load(); n != 1 {
		t.Errorf("the command ran %d times", n)
	}
	if n := len(emu.MessagesTo(user)); n != 1 {
		t.Errorf("%d answers, want 1", n)
	}
	if v := emu.Violations(); len(v) > 0 {
		t.Errorf("violations: %v", v)
	}
}
