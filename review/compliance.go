package review

import (
	"strings"
	"time"
)

// Stage is when compliance questions are asked.
type Stage string

// The two stages with questions.
const (
	StageFirstCheckIn Stage = "first_checkin" // the employee, confirming the year's first check-in
	StageWrapUp       Stage = "wrapup"        // the manager, at the year's wrap-up
)

// Question is a yes/no compliance question, with a stable key.
type Question struct {
	Key  string
	Text string
}

// FirstCheckInQuestions are what the employee answers when confirming the
// year's first check-in.
var FirstCheckInQuestions = []Question{
	{"met", "Did you and your manager meet to start this year's program?"},
	{"cadence", "Did you agree how often you'll check in (at least once a quarter)?"},
	{"expectations", "Did your manager set your expectations at this first check-in?"},
}

// WrapUpQuestions are what the manager answers at the wrap-up.
var WrapUpQuestions = []Question{
	{"four_checkins", "Did you hold at least four check-ins with your employee this year?"},
	{"expectations", "Did you set expectations with your employee in your check-ins?"},
	{"feedback", "Did you give your employee feedback in your check-ins?"},
}

// Answer is one recorded answer. A "No" is an answer like any other, kept
// as given, and flagged to HR.
type Answer struct {
	Stage      Stage
	Question   string // a Question.Key
	Yes        bool
	AnsweredBy int64
	AnsweredAt time.Time
}

// ConfirmForm is what the employee enters to confirm a check-in.
type ConfirmForm struct {
	Answers  map[string]*bool // by question key; nil when not answered
	Feedback string           // for the manager
}

// AlreadyConfirmed refuses a second confirmation of a check-in.
var AlreadyConfirmed = &Error{Code: ECONFLICT, Message: "You've already confirmed this check-in. Thank you!"}

// Confirm-form field names: FieldAnswer is followed by the question key.
const FieldAnswer = "answer:"

// PlanConfirmation checks an employee's confirmation of check-in c. The
// year's first check-in needs all three answers and feedback for the
// manager; later ones need nothing but may carry feedback.
func PlanConfirmation(c CheckIn, form ConfirmForm) (Confirmation, error) {
	if c.Confirmation != nil {
		return Confirmation{}, AlreadyConfirmed
	}
	fields := map[string]string{}
	feedback := strings.TrimSpace(form.Feedback)
	conf := Confirmation{CheckInID: c.ID, FeedbackForManager: feedback}
	if c.First {
		for _, q := range FirstCheckInQuestions {
			a := form.Answers[q.Key]
			if a == nil {
				fields[FieldAnswer+q.Key] = "Answer yes or no."
				continue
			}
			conf.Answers = append(conf.Answers, Answer{Stage: StageFirstCheckIn, Question: q.Key, Yes: *a})
		}
		if feedback == "" {
			fields[FieldFeedback] = "Tell your manager how the conversation went for you: this is your feedback to them."
		}
	}
	if msg := tooLong(feedback, MaxCheckInText); msg != "" {
		fields[FieldFeedback] = msg
	}
	if len(fields) > 0 {
		return Confirmation{}, &Error{Code: EINVALID, Message: "Your confirmation needs another look.", Fields: fields}
	}
	return conf, nil
}

// QuestionText returns the text of a question by stage and key.
func QuestionText(stage Stage, key string) string {
	qs := FirstCheckInQuestions
	if stage == StageWrapUp {
		qs = WrapUpQuestions
	}
	for _, q := range qs {
		if q.Key == key {
			return q.Text
		}
	}
	return key
}
