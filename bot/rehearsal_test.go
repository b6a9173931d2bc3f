package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/review"
)

func TestRehearsalMarksEverything(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	now := time.Date(2027, 6, 10, 15, 0, 0, 0, ny)
	r := &Rehearsal{Clock: review.ClockFunc(func() time.Time { return now }), Cal: review.Calendar{Loc: ny}}
	const banner = "Rehearsal — the date here is 10 June 2027"
	bannerOf := func(b slack.Block) string {
		c, ok := b.(*slack.ContextBlock)
		if !ok || c.BlockID != BannerBlockID {
			return ""
		}
		return c.ContextElements.Elements[0].(*slack.TextBlockObject).Text
	}

	// A text-only answer gets blocks, the banner first.
	m := r.Message(time.Time{}, Message{Text: "Done."})
	if len(m.Blocks) != 2 || !strings.Contains(bannerOf(m.Blocks[0]), banner) || m.Text != banner+": Done." {
		t.Fatalf("text-only: %+v", m)
	}
	// Marking twice is marking once.
	if again := r.Message(time.Time{}, m); len(again.Blocks) != 2 || again.Text != m.Text {
		t.Fatalf("marked twice: %+v", again)
	}
	// A queued notification carries the day it was queued on.
	queued := r.Message(time.Date(2027, 2, 3, 9, 0, 0, 0, ny), Message{Text: "Hi", Blocks: []slack.Block{slack.NewDividerBlock()}})
	if !strings.Contains(bannerOf(queued.Blocks[0]), "3 February 2027") || len(queued.Blocks) != 2 {
		t.Fatalf("queued: %+v", queued)
	}
	// A full message stays within Block Kit's limit; its text still says it.
	full := make([]slack.Block, messageBlocks)
	for i := range full {
		full[i] = slack.NewDividerBlock()
	}
	if m := r.Message(time.Time{}, Message{Text: "x", Blocks: full}); len(m.Blocks) != messageBlocks || !strings.HasPrefix(m.Text, banner) {
		t.Fatalf("full message: %d blocks, %q", len(m.Blocks), m.Text)
	}
	// A view updated again keeps one banner.
	v := r.view(slack.Blocks{BlockSet: []slack.Block{slack.NewDividerBlock()}})
	v = r.view(v)
	if len(v.BlockSet) != 2 || bannerOf(v.BlockSet[0]) == "" {
		t.Fatalf("view: %+v", v.BlockSet)
	}
	if c := r.comment("The digest"); !strings.HasPrefix(c, "_"+banner+"_\n") {
		t.Fatalf("comment: %q", c)
	}

	// A live deployment marks nothing.
	var live *Rehearsal
	plain := Message{Text: "Done."}
	if m := live.Message(time.Time{}, plain); m.Text != "Done." || m.Blocks != nil {
		t.Fatalf("live: %+v", m)
	}
	if v := live.view(slack.Blocks{}); len(v.BlockSet) != 0 {
		t.Fatal("live view marked")
	}
	if c := live.comment("x"); c != "x" {
		t.Fatal("live comment marked")
	}
	if at := live.realTime(now); !at.Equal(now) {
		t.Fatal("live time moved")
	}
}
