package handlers

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/review"
)

func (h *handlers) registerExport(r *bot.Router) {
	r.Command(bot.CommandSpec{
		Name:    "export",
		Usage:   r.Slash() + " export [FY2027] [unit] [full] [nobom]",
		Summary: "the compliance evidence as a CSV file, one line per person, sent to you in a DM; without ratings and free text unless you add full",
		For:     bot.HR,
		Handle:  h.exportCommand,
	})
}

// exportOptions is what `/perform export` was asked for.
type exportOptions struct {
	year review.FiscalYear
	unit string
	full bool // ratings and free text
	bom  bool // a byte-order mark first, for spreadsheets (the default)
}

// exportArgs reads "[FY2027] [unit] [full|redact] [nobom]" in any order.
// The export is redacted unless full is asked for by name.
func exportArgs(rest string, fy review.FiscalYear) (exportOptions, error) {
	o := exportOptions{year: fy, bom: true}
	redact := false
	for _, w := range strings.Fields(fromSlack(rest)) {
		switch {
		case strings.EqualFold(w, "full") || strings.EqualFold(w, "--full"):
			o.full = true
		case strings.EqualFold(w, "redact") || strings.EqualFold(w, "redacted") || strings.EqualFold(w, "--redact"):
			redact = true
		case strings.EqualFold(w, "nobom") || strings.EqualFold(w, "--no-bom"):
			o.bom = false
		case strings.HasPrefix(strings.ToUpper(w), "FY"):
			y, err := review.ParseFiscalYear(w)
			if err != nil {
				return exportOptions{}, review.Errorf(review.EINVALID, "%q isn't a review year: write it like FY2027.", w)
			}
			o.year = y
		case o.unit == "":
			o.unit = strings.Trim(w, "/")
		default:
			return exportOptions{}, review.Errorf(review.EINVALID, "Name one unit at most, like `/perform export FY2027 EOHHS/DPH full`.")
		}
	}
	if o.full && redact {
		return exportOptions{}, review.Errorf(review.EINVALID, "Ask for one or the other: `full` (with ratings and free text) or `redact` (without, the default).")
	}
	return o, nil
}

func (h *handlers) exportCommand(ctx context.Context, c *bot.Command) {
	actor, err := h.hrActor(ctx, c.UserID)
	if err != nil {
		c.Reply(ctx, bot.Message{Text: h.userMessage(err, "export")})
		return
	}
	current, _ := h.wrapUpYear()
	o, err := exportArgs(c.Rest, current)
	fy, unit, full := o.year, o.unit, o.full
	if err != nil {
		c.Reply(ctx, bot.Message{Text: h.userMessage(err, "export")})
		return
	}
	if actor.Scope != "" {
		switch {
		case unit == "":
			unit = actor.Scope
		case !review.InScope(actor.Scope, unit):
			c.Reply(ctx, bot.Message{Text: fmt.Sprintf("%s is outside your part of the organisation (%s). Export %s, or a unit inside it.", esc(unit), esc(actor.Scope), esc(actor.Scope))})
			return
		}
	}
	h.export(ctx, actor, c.UserID, exportOptions{year: fy, unit: unit, full: full, bom: o.bom}, func(text string) { c.Reply(ctx, bot.Message{Text: text}) })
}

// export writes the compliance evidence o asks for, as actor may see it,
// and uploads it to userID's DM with the app, telling them through reply
// that it is coming, or what went wrong. o.unit must lie in actor's scope.
func (h *handlers) export(ctx context.Context, actor review.Actor, userID string, o exportOptions, reply func(text string)) {
	fy, unit, full := o.year, o.unit, o.full
	reply("Preparing your export. It will arrive in your DM with MassPerform.")
	var buf bytes.Buffer
	buf.WriteString(bomIf(o.bom))
	n, withheld, err := review.WriteComplianceCSV(&buf, h.Scale, actor, !full, func(fn func(review.ComplianceRow) error) error {
		return h.Store.ComplianceExport(ctx, fy, unit, fn)
	})
	if err == nil && n == 0 {
		err = review.Errorf(review.ENOTFOUND, "Nobody in %s was in the %s program, so there's nothing to export.", orAll(unit), fy)
	}
	if err != nil {
		reply(h.userMessage(err, "export"))
		return
	}
	name := "compliance-" + fy.String()
	if unit != "" {
		name += "-" + strings.ReplaceAll(unit, "/", "_")
	}
	if !full {
		name += "-redacted"
	}
	comment := fmt.Sprintf("Compliance evidence for %s, %s: %s.", fy, orAll(unit), plural(n, "person", "people"))
	if full {
		comment += " It holds ratings and what managers wrote: keep it between HR."
	} else {
		comment += " Ratings and free text are left out; add `full` to the command for them."
	}
	if withheld > 0 {
		// Only the viewer's own line can be: HR sees everyone else's.
		comment += " Your own line is withheld (your rating and your manager's comments) until your rating is released to you."
	}
	if err := h.Slack.UploadFile(ctx, userID, bot.File{Name: name + ".csv", Title: name, Comment: comment, Data: buf.Bytes()}); err != nil {
		h.Log.Warn("upload export", "err", err)
		reply("Slack didn't take the file. Please try again in a minute.")
	}
}

func orAll(unit string) string {
	if unit == "" {
		return "every unit"
	}
	return esc(unit)
}
