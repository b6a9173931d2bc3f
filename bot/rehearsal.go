package bot

import (
	"time"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/review"
)

// Block Kit's limits on how many blocks a surface holds.
const (
	messageBlocks = 50
	viewBlocks    = 100
	sectionText   = 3000
)

// BannerBlockID is the block_id of the rehearsal banner.
const BannerBlockID = "rehearsal_banner"

// Rehearsal marks everything a rehearsal deployment shows (messages,
// forms, the Home tab, the comments on files) with the rehearsal's date,
// so that nobody takes it for the live program. A nil *Rehearsal, which is
// what a live deployment has, marks nothing.
type Rehearsal struct {
	Clock review.Clock // the virtual clock
	Cal   review.Calendar
}

// Banner returns the banner's words at t.
func (r *Rehearsal) Banner(t time.Time) string { return r.Cal.RehearsalBanner(t) }

func (r *Rehearsal) block(t time.Time) slack.Block {
	return slack.NewContextBlock(BannerBlockID, slack.NewTextBlockObject(slack.MarkdownType, ":performing_arts: *"+r.Banner(t)+"*", false, false))
}

// Message marks a message dated at (its notification text and its first
// block). A zero at means now.
func (r *Rehearsal) Message(at time.Time, m Message) Message {
	if r == nil {
		return m
	}
	if len(m.Blocks) > 0 && isBanner(m.Blocks[0]) {
		return m // marked already
	}
	if at.IsZero() {
		at = r.Clock.Now()
	}
	text := m.Text
	m.Text = r.Banner(at) + ": " + text
	switch {
	case len(m.Blocks) == 0 && len(text) <= sectionText:
		// A text-only message gets blocks, so the banner shows as one.
		m.Blocks = []slack.Block{r.block(at), slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil)}
	case len(m.Blocks) > 0:
		m.Blocks = r.blocks(at, m.Blocks, messageBlocks)
	}
	return m
}

// view marks a modal or Home view.
func (r *Rehearsal) view(blocks slack.Blocks) slack.Blocks {
	if r == nil {
		return blocks
	}
	return slack.Blocks{BlockSet: r.blocks(r.Clock.Now(), blocks.BlockSet, viewBlocks)}
}

// comment marks a file's comment.
func (r *Rehearsal) comment(c string) string {
	if r == nil {
		return c
	}
	return "_" + r.Banner(r.Clock.Now()) + "_\n" + c
}

// blocks puts the banner first, unless the surface is full (then the
// notification text still carries it) or already has one (an update of a
// marked view).
func (r *Rehearsal) blocks(at time.Time, blocks []slack.Block, limit int) []slack.Block {
	if len(blocks) >= limit {
		return blocks
	}
	out := make([]slack.Block, 0, len(blocks)+1)
	out = append(out, r.block(at))
	for _, b := range blocks {
		if isBanner(b) {
			continue
		}
		out = append(out, b)
	}
	return out
}

func isBanner(b slack.Block) bool {
	c, ok := b.(*slack.ContextBlock)
	return ok && c.BlockID == BannerBlockID
}

// realTime turns a moment on the rehearsal's clock into real time, or an
// earlier one (Slack's history is in real time). The clock only moves
// forward over history, so today's shift is at least the one it was
// recorded with.
func (r *Rehearsal) realTime(t time.Time) time.Time {
	if r == nil {
		return t
	}
	if s, ok := r.Clock.(interface{ Shift() time.Duration }); ok {
		return t.Add(-s.Shift())
	}
	return t
}
