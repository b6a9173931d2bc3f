package handlers

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/review"
)

func (h *handlers) registerHelp(r *bot.Router) {
	r.Help(func(ctx context.Context, c *bot.Command) { c.Reply(ctx, h.helpMessage(ctx, r, c)) })
}

// helpMessage lists what this user can do: everyone's commands, their
// team's if they manage anyone, HR's if they have HR rights.
func (h *handlers) helpMessage(ctx context.Context, r *bot.Router, c *bot.Command) bot.Message {
	// Who asks, and whether they manage anyone, in one read.
	p, manages, err := h.Store.SenderBySlackID(ctx, c.UserID)
	actor, err := h.actorFound(c.UserID, p, err)
	if err != nil {
		return bot.Message{Text: h.userMessage(err, "help")}
	}
	var intro string
	if c.Unknown {
		intro = fmt.Sprintf("I don't know `%s`. ", esc(truncate(oneLine(fromSlack(c.Name)), 40)))
	}
	if !actor.OnRoster() && !actor.HR {
		msg := intro + review.NotOnRoster.Message
		return bot.Message{Text: msg, Blocks: []slack.Block{section(msg)}}
	}
	groups := []struct {
		title string
		who   bot.Audience
		show  bool
	}{
		{"For your own year", bot.Everyone, actor.OnRoster()},
		{"For your team", bot.Managers, manages},
		{"For HR", bot.HR, actor.HR},
	}
	text := intro + "*MassPerform* keeps your year's performance conversations on track: expectations, goals and check-ins with your manager."
	blocks := []slack.Block{section(text)}
	shown := map[string]bool{}
	for _, g := range groups {
		var lines []string
		for _, spec := range r.Commands() {
			if spec.For&g.who != 0 && g.show && !shown[spec.Name] {
				shown[spec.Name] = true
				lines = append(lines, fmt.Sprintf("`%s` — %s", spec.Usage, spec.Summary))
			}
		}
		if len(lines) > 0 {
			blocks = append(blocks, section("*"+g.title+"*\n"+strings.Join(lines, "\n")))
		}
	}
	blocks = append(blocks, note(fmt.Sprintf("`%s help` shows this list. The app's *Home* tab shows your year at a glance.", r.Slash())))
	return bot.Message{Text: text, Blocks: blocks}
}
