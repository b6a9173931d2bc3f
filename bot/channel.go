package bot

import (
	"context"
	"errors"

	"github.com/slack-go/slack"
)

// ChannelProblem is why a channel must not receive confidential messages
// (HR's digest names people who answered No about their manager), said so
// that an operator can put it right. It names the channel by ID only: a
// channel's name is text someone typed.
type ChannelProblem struct {
	Channel string // its ID
	Reason  string // what is wrong and what to do, starting with a verb: "is public: …"
}

func (p *ChannelProblem) Error() string { return p.Channel + " " + p.Reason }

// Why a channel is not fit; the invitation is to the app's bot user, named
// in manifests/slack-app.yaml.
const (
	reasonNotFound  = "is not a channel the app can see: if it is private, invite @MassPerform to it (type /invite @MassPerform in the channel); otherwise check the ID"
	reasonNotMember = "is private but the app is not in it: invite @MassPerform to it (type /invite @MassPerform in the channel)"
	reasonPublic    = "is public, and the digest names people: make it private or name a private one"
	reasonShared    = "is shared with another organisation: name a private channel only your organisation is in"
	reasonArchived  = "is archived: name a private channel in use"
	reasonIM        = "is a direct message, not a channel: name a private channel"
	reasonScope     = "can't be checked: the app lacks the channels:read and groups:read scopes; update it from manifests/slack-app.yaml and reinstall it"
)

// ConfidentialChannel checks with conversations.info that channel is fit
// for confidential messages: private, with the app in it, not shared with
// another organisation, not archived. It returns nil, a *ChannelProblem, or
// another error when Slack could not be asked (nothing is known then).
func (a *API) ConfidentialChannel(ctx context.Context, channel string) error {
	if err := a.Wait(ctx, "conversations.info"); err != nil {
		return err
	}
	ch, err := a.Client.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: channel})
	return channelProblem(channel, ch, err)
}

// channelProblem judges conversations.info's answer about channel.
func channelProblem(channel string, ch *slack.Channel, err error) error {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		switch se.Err {
		case "channel_not_found":
			return &ChannelProblem{channel, reasonNotFound}
		case "missing_scope":
			return &ChannelProblem{channel, reasonScope}
		}
	}
	switch {
	case err != nil:
		return err
	case ch.IsIM:
		return &ChannelProblem{channel, reasonIM}
	case !ch.IsPrivate:
		return &ChannelProblem{channel, reasonPublic}
	case ch.IsExtShared || ch.IsPendingExtShared:
		return &ChannelProblem{channel, reasonShared}
	case !ch.IsMember:
		return &ChannelProblem{channel, reasonNotMember}
	case ch.IsArchived:
		return &ChannelProblem{channel, reasonArchived}
	}
	return nil
}
