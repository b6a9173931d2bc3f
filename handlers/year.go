package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/review"
)

// Identifiers of the year surface: HR sees which review years are live and
// closes the one that ended.
const (
	yearCloseCallback = "year_close"
	yearAnywayBlock   = "anyway"
)

func (h *handlers) registerYear(r *bot.Router) {
	r.Command(bot.CommandSpec{
		Name:    "year",
		Usage:   r.Slash() + " year [close FY2027]",
		Summary: "the review years still open and what is left in them; close the year that ended",
		For:     bot.HR,
		Handle:  h.yearCommand,
	})
	r.Submit(yearCloseCallback, h.yearCloseSubmit)
}

type yearMeta struct {
	Year int `json:"fy"`
}

func (h *handlers) yearCommand(ctx context.Context, c *bot.Command) {
	actor, err := h.hrActor(ctx, c.UserID)
	if err != nil {
		c.Reply(ctx, bot.Message{Text: h.userMessage(err, "year")})
		return
	}
	words := strings.Fields(fromSlack(c.Rest))
	switch {
	case len(words) == 0:
		text, err := h.yearStatus(ctx)
		if err != nil {
			text = h.userMessage(err, "year")
		}
		c.Reply(ctx, bot.Message{Text: text})
	case strings.EqualFold(words[0], "close") && len(words) <= 2:
		fy := h.Cal.Year(h.Clock.Now()) - 1
		if len(words) == 2 {
			if fy, err = review.ParseFiscalYear(words[1]); err != nil {
				c.Reply(ctx, bot.Message{Text: fmt.Sprintf("%q isn't a review year: write it like FY2027.", esc(words[1]))})
				return
			}
		}
		b, err := h.Store.YearBusiness(ctx, fy)
		if err == nil {
			err = review.CanCloseYear(actor, fy, h.Cal.Today(h.Clock.Now()), b, true)
		}
		if err == nil {
			err = h.notClosed(ctx, fy)
		}
		if err != nil {
			c.Reply(ctx, bot.Message{Text: h.userMessage(err, "year")})
			return
		}
		c.Ack()
		h.openModal(ctx, c, c.TriggerID, yearCloseModal(fy, b), false)
	default:
		c.Reply(ctx, bot.Message{Text: "Try `" + "/perform year` to see the open years, or `/perform year close FY2027` to close one."})
	}
}

// notClosed refuses a year HR has closed already.
func (h *handlers) notClosed(ctx context.Context, fy review.FiscalYear) error {
	closed, err := h.Store.ClosedYears(ctx)
	if err != nil {
		return err
	}
	if c, ok := closed[fy]; ok {
		return review.Errorf(review.ECONFLICT, "%s was closed on %s.", fy, review.DateOf(c.ClosedAt.In(h.Cal.Loc)).Human())
	}
	return nil
}

// yearStatus lists the live years and what is left in each.
func (h *handlers) yearStatus(ctx context.Context) (string, error) {
	years, err := h.Store.LiveYears(ctx, h.Cal, h.Clock.Now())
	if err != nil {
		return "", err
	}
	current := h.Cal.Year(h.Clock.Now())
	var b strings.Builder
	for _, fy := range years {
		if fy == current {
			fmt.Fprintf(&b, "*%s* is the running year.\n", fy)
			continue
		}
		open, err := h.Store.YearBusiness(ctx, fy)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "*%s* ended on %s and is still open beside it", fy, fy.End().Human())
		if lines := open.Lines(); len(lines) > 0 {
			fmt.Fprintf(&b, ": %s.\n", strings.Join(lines, "; "))
		} else {
			b.WriteString(": everything in it is done.\n")
		}
		fmt.Fprintf(&b, "Close it with `/perform year close %s` once its business is done.\n", fy)
	}
	closed, err := h.Store.ClosedYears(ctx)
	if err != nil {
		return "", err
	}
	if c, ok := closed[current-1]; ok {
		fmt.Fprintf(&b, "%s was closed on %s.", current-1, review.DateOf(c.ClosedAt.In(h.Cal.Loc)).Human())
	}
	return strings.TrimSpace(b.String()), nil
}

// yearCloseModal asks HR to confirm closing fy, saying what is still open.
func yearCloseModal(fy review.FiscalYear, b review.YearBusiness) slack.ModalViewRequest {
	blocks := []slack.Block{section(fmt.Sprintf("*Close %s?* Once closed, it gets no more reminders, leaves the digest, and late confirmations and wrap-ups can no longer be saved. Closing is kept in the audit log.", fy))}
	if lines := b.Lines(); len(lines) > 0 {
		blocks = append(blocks,
			section("*Still open:*\n• "+strings.Join(lines, "\n• ")),
			checkbox(yearAnywayBlock, "Close it anyway?", "Close it with these still open"))
	} else {
		blocks = append(blocks, section("Every wrap-up is in, every unit approved and every final conversation held."))
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      yearCloseCallback,
		Title:           plain("Close "+fy.String(), 24),
		Submit:          plain("Close the year", 24),
		Close:           plain("Cancel", 24),
		PrivateMetadata: fmt.Sprintf(`{"fy":%d}`, int(fy)),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

func (h *handlers) yearCloseSubmit(ctx context.Context, s *bot.Submission) (*slack.ViewSubmissionResponse, error) {
	actor, err := h.hrActor(ctx, s.User.ID)
	if err != nil {
		return nil, err
	}
	var m yearMeta
	if err := json.Unmarshal([]byte(s.View.PrivateMetadata), &m); err != nil || m.Year == 0 {
		return nil, review.Errorf(review.EINVALID, "This form is damaged. Please close it and open it again.")
	}
	fy := review.FiscalYear(m.Year)
	b, err := h.Store.CloseYear(ctx, actor, fy, h.Cal.Today(h.Clock.Now()), checked(s.View, yearAnywayBlock))
	if err != nil {
		if review.ErrorCode(err) != review.ECONFLICT || !b.Open() || checked(s.View, yearAnywayBlock) {
			return nil, err
		}
		if hasBlock(s.View, yearAnywayBlock) {
			return slack.NewErrorsViewSubmissionResponse(map[string]string{yearAnywayBlock: "Some of the year is still open: tick this to close it as it is."}), nil
		}
		// Something opened since the form was drawn: show what, and ask.
		view := yearCloseModal(fy, b)
		return slack.NewUpdateViewSubmissionResponse(&view), nil
	}
	return nil, nil
}

// hasBlock reports whether the view holds a block with the id.
func hasBlock(v slack.View, id string) bool {
	for _, b := range v.Blocks.BlockSet {
		if b.ID() == id {
			return true
		}
	}
	return false
}
