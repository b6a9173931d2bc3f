package handlers

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
)

// refusingSlack answers views.open and views.push with err.
type refusingSlack struct {
	bot.Slack
	err error
}

func (s refusingSlack) OpenViewContext(context.Context, string, slack.ModalViewRequest) (*slack.ViewResponse, error) {
	return nil, s.err
}

func (s refusingSlack) PushViewContext(context.Context, string, slack.ModalViewRequest) (*slack.ViewResponse, error) {
	return nil, s.err
}

// heard is a command or click that keeps what the person was told.
type heard struct {
	expires time.Time
	told    []string
}

func (h *heard) Reply(_ context.Context, m bot.Message) { h.told = append(h.told, m.Text) }
func (h *heard) TriggerExpires() time.Time              { return h.expires }

// TestAFormThatDoesNotOpenIsExplained: whatever keeps Slack from opening a
// form, the person hears why, and when Slack is busy, when to try again.
func TestAFormThatDoesNotOpenIsExplained(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"Slack busy for half a minute", &slack.RateLimitedError{RetryAfter: 30 * time.Second}, "Slack is busy right now, so the form didn't open. Please try again in 30 seconds."},
		{"Slack busy for a moment", &slack.RateLimitedError{RetryAfter: 200 * time.Millisecond}, "Please try again in a second."},
		{"the trigger ran out", context.DeadlineExceeded, "Slack didn't let us open the form in time. Please try again."},
		{"anything else", errors.New("expired_trigger_id"), "Slack didn't let us open the form in time. Please try again."},
	}
	for _, tt := range tests {
		for _, push := range []bool{false, true} {
			t.Run(tt.name, func(t *testing.T) {
				h := &handlers{Deps{Slack: refusingSlack{err: tt.err}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}}
				r := &heard{expires: time.Now().Add(bot.TriggerLife)}
				h.openModal(context.Background(), r, "1.2.3", slack.ModalViewRequest{CallbackID: "x"}, push)
				if len(r.told) != 1 || !strings.Contains(r.told[0], tt.want) {
					t.Errorf("told %q, want %q", r.told, tt.want)
				}
			})
		}
	}
}
