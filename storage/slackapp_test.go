package storage_test

import (
	"strings"
	"testing"

	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// TestSlackAppBinding: a database is bound to the app and workspace that
// first use it, and refuses any other, naming both; another process sees
// the binding; a rehearsal's reset keeps it; a rebind moves it to another
// app of the same workspace only.
func TestSlackAppBinding(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		clock := newClock("2026-11-24T14:00:00Z")
		s := storagetest.Open(t, url, clock)
		live := storage.SlackApp{AppID: "A0LIVE", TeamID: "T0ORG"}
		if got, err := s.BoundSlackApp(ctx); err != nil || got != (storage.SlackApp{}) {
			t.Fatalf("a new database is bound to %+v, %v", got, err)
		}
		if err := s.BindSlackApp(ctx, live); err != nil {
			t.Fatal(err)
		}
		if err := s.BindSlackApp(ctx, live); err != nil {
			t.Fatalf("the same app again: %v", err)
		}
		other := storagetest.Open(t, url, clock) // another process
		if got, err := other.BoundSlackApp(ctx); err != nil || got != live {
			t.Fatalf("another process sees %+v, %v", got, err)
		}
		for _, tt := range []struct {
			name  string
			app   storage.SlackApp
			wants []string
		}{
			{"another app", storage.SlackApp{AppID: "A0REHEARSE", TeamID: "T0ORG"},
				[]string{"belongs to the Slack app A0LIVE in workspace T0ORG", "SLACK_BOT_TOKEN is app A0REHEARSE's, in workspace T0ORG", "a rehearsal needs a Slack app of its own"}},
			{"another workspace", storage.SlackApp{AppID: "A0LIVE", TeamID: "T0ELSE"},
				[]string{"workspace T0ORG", "in workspace T0ELSE"}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				err := other.BindSlackApp(ctx, tt.app)
				if e, ok := err.(*review.Error); !ok || e.Code != review.ECONFLICT {
					t.Fatalf("BindSlackApp(%+v) = %v, want a conflict", tt.app, err)
				}
				for _, w := range tt.wants {
					if !strings.Contains(review.ErrorMessage(err), w) {
						t.Errorf("the refusal %q does not say %q", review.ErrorMessage(err), w)
					}
				}
				if got, _ := s.BoundSlackApp(ctx); got != live {
					t.Errorf("a refused app changed the binding to %+v", got)
				}
			})
		}

		// A rehearsal's reset keeps it.
		if err := s.UseForRehearsal(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.ResetRehearsal(ctx, storage.RehearsalClock{Through: clock.Now()}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.BoundSlackApp(ctx); got != live {
			t.Fatalf("after a reset the database is bound to %+v", got)
		}

		// The app replaced in the same workspace: rebound; in another: refused.
		if _, err := s.RebindSlackApp(ctx, storage.SlackApp{AppID: "A0NEW", TeamID: "T0ELSE"}); err == nil || !strings.Contains(review.ErrorMessage(err), "can't move to another workspace") {
			t.Fatalf("a rebind to another workspace: %v", err)
		}
		was, err := s.RebindSlackApp(ctx, storage.SlackApp{AppID: "A0NEW", TeamID: "T0ORG"})
		if err != nil || was != live {
			t.Fatalf("rebind = %+v, %v", was, err)
		}
		if err := s.BindSlackApp(ctx, live); err == nil {
			t.Error("the replaced app is still served")
		}
		if err := s.BindSlackApp(ctx, storage.SlackApp{AppID: "A0NEW", TeamID: "T0ORG"}); err != nil {
			t.Errorf("the new app: %v", err)
		}
	})
}
