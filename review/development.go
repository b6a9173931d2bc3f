package review

import (
	"strings"
	"time"
)

// MaxPlanText limits each part of a development plan.
const MaxPlanText = 3000

// DevelopmentPlan is the employee's Individual Success Plan: where they
// want their career to go and what would help. It is theirs: a draft only
// they see until they share it with their manager.
type DevelopmentPlan struct {
	LongTerm    string // long-term career goals
	ShortTerm   string // short-term career goals
	Needs       string // assignments, experience, coaching or learning needed
	Shared      bool   // their manager can see it
	RequestedAt time.Time
	UpdatedAt   time.Time
}

// Empty reports whether nothing has been written.
func (p DevelopmentPlan) Empty() bool { return p.LongTerm == "" && p.ShortTerm == "" && p.Needs == "" }

// PlanForm is the employee's plan form.
type PlanForm struct {
	LongTerm, ShortTerm, Needs string
	Share                      bool // share with the manager now (otherwise keep it as a draft)
	AskForCheckIn              bool // ask the manager for a development check-in
}

// Plan form field names.
const (
	FieldLongTerm  = "long_term"
	FieldShortTerm = "short_term"
	FieldNeeds     = "needs"
	FieldOptions   = "options"
)

// PlanDevelopmentPlan checks the employee's plan form against their year:
// asking for a development check-in needs an expectations and a feedback
// check-in first, and a plan to talk about.
func PlanDevelopmentPlan(y YearState, form PlanForm) (DevelopmentPlan, error) {
	p := DevelopmentPlan{
		LongTerm:  strings.TrimSpace(form.LongTerm),
		ShortTerm: strings.TrimSpace(form.ShortTerm),
		Needs:     strings.TrimSpace(form.Needs),
		Shared:    form.Share || form.AskForCheckIn,
	}
	fields := map[string]string{}
	for field, text := range map[string]string{FieldLongTerm: p.LongTerm, FieldShortTerm: p.ShortTerm, FieldNeeds: p.Needs} {
		if msg := tooLong(text, MaxPlanText); msg != "" {
			fields[field] = msg
		}
	}
	switch {
	case p.Empty() && (form.Share || form.AskForCheckIn):
		fields[FieldLongTerm] = "Write something first: where you'd like to go, or what would help you get there."
	case form.AskForCheckIn && !y.DevelopmentAllowed(nil):
		fields[FieldOptions] = DevelopmentNotYet.Message
	}
	if len(fields) > 0 {
		return DevelopmentPlan{}, &Error{Code: EINVALID, Message: "Your plan needs another look.", Fields: fields}
	}
	return p, nil
}
