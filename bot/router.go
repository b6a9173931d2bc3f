package bot

import (
	"context"
	"strings"

	"github.com/slack-go/slack"
)

// Audience says who a command is meant for; help lists each command to the
// people it is for. Audiences combine: Managers | HR.
type Audience int

// Audiences.
const (
	Everyone Audience = 1 << iota // anyone on the roster
	Managers                      // people with direct reports
	HR                            // people with HR rights
)

// CommandFunc handles a subcommand of the slash command.
type CommandFunc func(ctx context.Context, c *Command)

// ActionFunc handles a click on a button or another interactive element.
type ActionFunc func(ctx context.Context, a *Action)

// SubmitFunc handles a modal's submission. It returns what to ack with: nil
// closes the modal; slack.NewErrorsViewSubmissionResponse keeps it open with
// field errors. An error it returns is shown on the modal's first input.
type SubmitFunc func(ctx context.Context, s *Submission) (*slack.ViewSubmissionResponse, error)

// ClosedFunc handles a modal closed without submitting (notify_on_close).
type ClosedFunc func(ctx context.Context, c *Closed)

// HomeFunc handles a user opening the app's Home tab.
type HomeFunc func(ctx context.Context, h *HomeOpened)

// CommandSpec describes a subcommand for dispatch and for help.
type CommandSpec struct {
	Name    string // the first word after the slash command, lower case
	Usage   string // e.g. "/perform expectations @employee"
	Summary string // one line for help
	For     Audience
	Handle  CommandFunc
	// OpensForm says the command's answer is a form: the command is acked
	// as it arrives, and what the handler says instead (a refusal, a
	// mistake in the command) goes through the command's response_url.
	// Its trigger_id opens the form whenever the ack went.
	OpensForm bool
}

// Router maps Slack's identifiers to handlers: subcommands, action_ids,
// callback_ids and the Home tab.
type Router struct {
	slash    string
	commands map[string]CommandSpec
	order    []string
	help     CommandFunc
	actions  map[string]ActionFunc
	submits  map[string]SubmitFunc
	closes   map[string]ClosedFunc
	home     HomeFunc
}

// NewRouter returns a router for the slash command slash (e.g. "/perform").
func NewRouter(slash string) *Router {
	return &Router{
		slash:    slash,
		commands: map[string]CommandSpec{},
		actions:  map[string]ActionFunc{},
		submits:  map[string]SubmitFunc{},
		closes:   map[string]ClosedFunc{},
	}
}

// Slash returns the slash command the router serves.
func (r *Router) Slash() string { return r.slash }

// Command registers a subcommand.
func (r *Router) Command(spec CommandSpec) {
	if _, dup := r.commands[spec.Name]; dup {
		panic("bot: subcommand registered twice: " + spec.Name)
	}
	r.commands[spec.Name] = spec
	r.order = append(r.order, spec.Name)
}

// Help registers the handler for the bare slash command, "help", and any
// subcommand nobody registered (then Command.Unknown is set).
func (r *Router) Help(fn CommandFunc) { r.help = fn }

// Action registers the handler of an action_id.
func (r *Router) Action(actionID string, fn ActionFunc) { r.actions[actionID] = fn }

// Submit registers the submission handler of a modal's callback_id.
func (r *Router) Submit(callbackID string, fn SubmitFunc) { r.submits[callbackID] = fn }

// Closed registers the close handler of a modal's callback_id.
func (r *Router) Closed(callbackID string, fn ClosedFunc) { r.closes[callbackID] = fn }

// Home registers the Home tab handler.
func (r *Router) Home(fn HomeFunc) { r.home = fn }

// Commands returns the registered subcommands in registration order.
func (r *Router) Commands() []CommandSpec {
	out := make([]CommandSpec, len(r.order))
	for i, n := range r.order {
		out[i] = r.commands[n]
	}
	return out
}

// ParseCommand splits a slash command's text into the subcommand (lower
// case) and the rest.
func ParseCommand(text string) (name, rest string) {
	text = strings.TrimSpace(text)
	i := strings.IndexFunc(text, isSpace)
	if i < 0 {
		return strings.ToLower(text), ""
	}
	return strings.ToLower(text[:i]), strings.TrimSpace(text[i:])
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u00a0' }

// command returns the registered subcommand name, or help's (then
// unknown says whether name was something else than help).
func (r *Router) command(name string) (spec CommandSpec, unknown bool) {
	if spec, ok := r.commands[name]; ok {
		return spec, false
	}
	return CommandSpec{Name: "help", Handle: r.help}, name != "" && name != "help"
}
