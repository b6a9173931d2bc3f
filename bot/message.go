package bot

import (
	"context"
	"time"

	"github.com/slack-go/slack"
)

// Message is what the bot says: text for notifications and screen readers,
// and the blocks people see.
type Message struct {
	Text   string
	Blocks []slack.Block
}

// TriggerLife is how long after an envelope arrives its trigger_id can
// still open a modal: Slack allows 3 seconds from when it sent it.
const TriggerLife = 2800 * time.Millisecond

// Command is a slash command as a handler sees it.
type Command struct {
	slack.SlashCommand
	Name    string // the subcommand, lower case; "" for the bare command
	Rest    string // what follows the subcommand
	Unknown bool   // Name is not a registered subcommand
	env     *envelope
}

// Ack acknowledges the command with no message, for handlers that answer
// by opening a modal.
func (c *Command) Ack() { c.env.ack(nil) }

// TriggerExpires is when the command's trigger_id stops opening modals.
func (c *Command) TriggerExpires() time.Time { return c.env.received.Add(TriggerLife) }

// Reply answers the user privately: in the ack while it has not been sent,
// through the command's response_url after.
func (c *Command) Reply(ctx context.Context, m Message) {
	m = c.env.bot.api.Mark(time.Time{}, m)
	if c.env.ack(ephemeral(m)) {
		return
	}
	c.env.bot.respond(ctx, c.ResponseURL, c.UserID, m)
}

// Action is a click on an interactive element.
type Action struct {
	slack.InteractionCallback
	Action   *slack.BlockAction // the element that was used
	bot      *Bot
	received time.Time
}

// TriggerExpires is when the click's trigger_id stops opening modals.
func (a *Action) TriggerExpires() time.Time { return a.received.Add(TriggerLife) }

// Reply answers the user privately: through the response_url of the
// message that held the button, or in a direct message when the button was
// in a modal or the Home tab.
func (a *Action) Reply(ctx context.Context, m Message) {
	a.bot.respond(ctx, a.ResponseURL, a.User.ID, m)
}

// Replace shows m instead of the message that held the button (an
// ephemeral reply, say: turning its page). Without a response_url it
// answers like Reply.
func (a *Action) Replace(ctx context.Context, m Message) {
	if a.ResponseURL == "" {
		a.Reply(ctx, m)
		return
	}
	a.bot.replace(ctx, a.ResponseURL, m)
}

// Submission is a modal being submitted.
type Submission struct {
	slack.InteractionCallback
	after []func(ctx context.Context)
}

// After runs fn once the submission has been acked, for work the answer
// does not wait on (updating another view, for example).
func (s *Submission) After(fn func(ctx context.Context)) { s.after = append(s.after, fn) }

// Closed is a modal closed with its close button.
type Closed struct {
	slack.InteractionCallback
}

// HomeOpened is a user opening the Home tab.
type HomeOpened struct {
	UserID string
}

func ephemeral(m Message) map[string]any {
	p := map[string]any{"response_type": "ephemeral", "text": m.Text}
	if len(m.Blocks) > 0 {
		p["blocks"] = m.Blocks
	}
	return p
}
