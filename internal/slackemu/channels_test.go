package slackemu

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/slack-go/slack"
)

// TestChannelsAsTheBotSeesThem: conversations.info, posting, sharing a
// file and reading history in public and private channels, with the bot
// in them or not, archived or shared with another organisation.
func TestChannelsAsTheBotSeesThem(t *testing.T) {
	s := newEmu(t, Config{})
	s.AddUser(User{ID: "U1", Name: "hana"})
	api := apiClient(s)
	tests := []struct {
		name                              string
		ch                                Channel
		infoErr                           string // conversations.info's error, "" for ok
		private, member, archived, shared bool
		postErr, fileErr, historyErr      string
	}{
		{name: "public, everyone in it", ch: Channel{ID: "C1", Name: "general"}, member: true},
		{name: "public, the bot not in it", ch: Channel{ID: "C2", Name: "random", Members: []string{"U1"}},
			postErr: "not_in_channel", fileErr: "not_in_channel", historyErr: "not_in_channel"},
		{name: "private, the bot in it", ch: Channel{ID: "C3", Name: "hr", Private: true, Members: []string{"U1", "U0BOT"}}, private: true, member: true},
		{name: "private, the bot not in it", ch: Channel{ID: "G4", Name: "hr-secret", Private: true, Members: []string{"U1"}},
			infoErr: "channel_not_found", postErr: "channel_not_found", fileErr: "invalid_channel", historyErr: "channel_not_found"},
		{name: "private and archived", ch: Channel{ID: "C5", Name: "old-hr", Private: true, Archived: true, Members: []string{"U0BOT"}},
			private: true, member: true, archived: true, postErr: "is_archived", fileErr: "is_archived"},
		{name: "private, shared with another organisation", ch: Channel{ID: "C6", Name: "hr-vendor", Private: true, ExtShared: true, Members: []string{"U0BOT"}},
			private: true, member: true, shared: true},
		{name: "no such channel", ch: Channel{ID: "C7"}, infoErr: "channel_not_found", postErr: "channel_not_found", fileErr: "invalid_channel", historyErr: "channel_not_found"},
	}
	errCode := func(err error) string {
		var se slack.SlackErrorResponse
		if errors.As(err, &se) {
			return se.Err
		}
		if err != nil {
			return err.Error()
		}
		return ""
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.ch.Name != "" {
				s.PutChannel(tt.ch)
			}
			info, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: tt.ch.ID})
			if got := errCode(err); got != tt.infoErr {
				t.Errorf("conversations.info error %q, want %q", got, tt.infoErr)
			}
			if err == nil && (info.ID != tt.ch.ID || info.Name != tt.ch.Name || !info.IsChannel || info.IsPrivate != tt.private ||
				info.IsMember != tt.member || info.IsArchived != tt.archived || info.IsExtShared != tt.shared) {
				t.Errorf("conversations.info = %+v", info)
			}
			_, _, err = api.PostMessageContext(ctx, tt.ch.ID, slack.MsgOptionText("hi", false))
			if got := errCode(err); got != tt.postErr {
				t.Errorf("chat.postMessage error %q, want %q", got, tt.postErr)
			}
			_, err = api.UploadFileContext(ctx, slack.UploadFileParameters{Filename: "a.csv", Channel: tt.ch.ID, Reader: bytes.NewReader([]byte("a")), FileSize: 1})
			if got := errCode(err); got != tt.fileErr {
				t.Errorf("sharing a file: error %q, want %q", got, tt.fileErr)
			}
			_, err = api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: tt.ch.ID})
			if got := errCode(err); got != tt.historyErr {
				t.Errorf("conversations.history error %q, want %q", got, tt.historyErr)
			}
		})
	}

	// Invited: the same private channel now takes the bot's posts.
	s.PutChannel(Channel{ID: "G4", Name: "hr-secret", Private: true, Members: []string{"U1", "U0BOT"}})
	if info, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: "G4"}); err != nil || !info.IsMember || !info.IsPrivate {
		t.Errorf("after the invitation: %+v, %v", info, err)
	}
	if _, _, err := api.PostMessageContext(ctx, "G4", slack.MsgOptionText("hi", false)); err != nil {
		t.Errorf("posting after the invitation: %v", err)
	}
	// A DM is not a channel.
	if info, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: s.DMChannel("U1")}); err != nil || !info.IsIM {
		t.Errorf("a DM: %+v, %v", info, err)
	}
	if v := s.Violations(); len(v) > 0 {
		t.Errorf("violations: %v", v)
	}
}
