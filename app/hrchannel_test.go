package app

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/massperform/massperform/bot"
)

// TestHRChannelAtStart: serve's first look at HR_CHANNEL says, in the log
// and in what /readyz shows, what to do when the digest can't go there.
func TestHRChannelAtStart(t *testing.T) {
	notIn := &bot.ChannelProblem{Channel: "C0HR", Reason: "is private but the app is not in it: invite @MassPerform to it (type /invite @MassPerform in the channel)"}
	for _, tc := range []struct {
		name    string
		id      string
		answer  error // Slack's verdict
		problem string
		log     string
	}{
		{"not set", "", nil, hrChannelUnset, "level=WARN msg=\"" + strings.ReplaceAll(hrChannelUnset, `"`, `\"`)},
		{"app not invited", "C0HR", notIn, "HR_CHANNEL " + notIn.Error(), "level=ERROR msg=\"HR's digest will not go out: HR_CHANNEL C0HR is private but the app is not in it: invite @MassPerform"},
		{"fit", "C0HR", nil, "", "HR_CHANNEL is private and the app is in it"},
		{"Slack unreachable", "C0HR", errors.New("dial tcp: connection refused"), "", "could not check HR_CHANNEL with Slack; trying again later"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs strings.Builder
			ctx, cancel := context.WithCancel(t.Context())
			asked := 0
			h := newHRChannel(tc.id, func(context.Context, string) error {
				asked++
				if asked == 1 {
					return tc.answer
				}
				cancel()
				return context.Canceled
			}, slog.New(slog.NewTextHandler(&logs, nil)))
			h.Watch(ctx, 0)
			if got := h.Problem(); got != tc.problem {
				t.Errorf("Problem() = %q, want %q", got, tc.problem)
			}
			if !strings.Contains(logs.String(), tc.log) {
				t.Errorf("the log does not say %q:\n%s", tc.log, logs.String())
			}
			if tc.id == "" && asked != 0 {
				t.Errorf("Slack was asked about no channel %d times", asked)
			}
		})
	}
}
