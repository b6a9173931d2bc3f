package bot

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/internal/slackemu"
)

// TestChannelProblem: which answers of conversations.info make a channel
// unfit for the digest, and what the operator is told to do.
func TestChannelProblem(t *testing.T) {
	ch := func(set func(c *slack.Channel)) *slack.Channel {
		c := &slack.Channel{IsChannel: true, IsMember: true}
		c.IsPrivate = true
		set(c)
		return c
	}
	netErr := &net.OpError{Op: "dial", Err: errors.New("connection refused")}
	tests := []struct {
		name   string
		ch     *slack.Channel
		err    error
		reason string // "" for fit
		other  error  // an error that is no verdict
	}{
		{"private, the app in it", ch(func(*slack.Channel) {}), nil, "", nil},
		{"public", ch(func(c *slack.Channel) { c.IsPrivate = false }), nil, reasonPublic, nil},
		{"public, even with the app in it", ch(func(c *slack.Channel) { c.IsPrivate, c.IsMember = false, true }), nil, reasonPublic, nil},
		{"private, the app not in it", ch(func(c *slack.Channel) { c.IsMember = false }), nil, reasonNotMember, nil},
		{"private, shared with another organisation", ch(func(c *slack.Channel) { c.IsExtShared = true }), nil, reasonShared, nil},
		{"private, about to be shared", ch(func(c *slack.Channel) { c.IsPendingExtShared = true }), nil, reasonShared, nil},
		{"archived", ch(func(c *slack.Channel) { c.IsArchived = true }), nil, reasonArchived, nil},
		{"a direct message", ch(func(c *slack.Channel) { c.IsIM, c.IsChannel = true, false }), nil, reasonIM, nil},
		{"not visible to the app", &slack.Channel{}, slack.SlackErrorResponse{Err: "channel_not_found"}, reasonNotFound, nil},
		{"the scopes missing", &slack.Channel{}, slack.SlackErrorResponse{Err: "missing_scope"}, reasonScope, nil},
		{"Slack unreachable", nil, netErr, "", netErr},
		{"Slack in trouble", &slack.Channel{}, slack.SlackErrorResponse{Err: "internal_error"}, "", slack.SlackErrorResponse{Err: "internal_error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := channelProblem("C0HR", tt.ch, tt.err)
			var p *ChannelProblem
			switch {
			case errors.As(err, &p):
				if p.Reason != tt.reason || p.Channel != "C0HR" {
					t.Errorf("problem %q, want %q", err, tt.reason)
				}
			case tt.reason != "":
				t.Errorf("got %v, want the problem %q", err, tt.reason)
			case tt.other == nil && err != nil || tt.other != nil && (err == nil || err.Error() != tt.other.Error()):
				t.Errorf("got %v, want %v", err, tt.other)
			}
		})
	}
}

// TestConfidentialChannel asks the emulator about channels, and follows a
// private channel as the app is invited.
func TestConfidentialChannel(t *testing.T) {
	emu := slackemu.New(slackemu.Config{})
	t.Cleanup(emu.Close)
	api := NewAPI(slack.New(emu.BotToken(), slack.OptionAPIURL(emu.APIURL())))
	emu.AddChannel("C0PUB", "general")
	emu.PutChannel(slackemu.Channel{ID: "C0HR", Name: "hr", Private: true, Members: []string{"U0HANA"}})
	ctx := context.Background()
	reason := func(ch string) string {
		err := api.ConfidentialChannel(ctx, ch)
		if p, ok := errors.AsType[*ChannelProblem](err); ok {
			return p.Reason
		}
		if err != nil {
			t.Fatalf("%s: %v", ch, err)
		}
		return ""
	}
	if got := reason("C0PUB"); got != reasonPublic {
		t.Errorf("a public channel: %q", got)
	}
	if got := reason("C0HR"); got != reasonNotFound {
		t.Errorf("a private channel without the app: %q", got)
	}
	emu.PutChannel(slackemu.Channel{ID: "C0HR", Name: "hr", Private: true, Members: []string{"U0HANA", "U0BOT"}})
	if got := reason("C0HR"); got != "" {
		t.Errorf("a private channel with the app: %q", got)
	}
	if v := emu.Violations(); len(v) > 0 {
		t.Errorf("violations: %v", v)
	}
}
