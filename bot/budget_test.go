package bot_test

import (
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/internal/pgtest"
	"github.com/massperform/massperform/internal/slackemu"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage/storagetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// replicas returns n Web API clients as n processes build them, each with
// its own connection to the database at url, which keeps their budget.
func replicas(t *testing.T, emu *slackemu.Server, url string, n int) []*bot.API {
	t.Helper()
	var apis []*bot.API
	for range n {
		store := storagetest.Open(t, url, review.SystemClock{})
		retry := slack.DefaultRetryConfig()
		p := bot.NewPacer(store, review.SystemClock{}, quietLog())
		apis = append(apis, bot.NewPacedAPI(emu.BotToken(), p, nil, slack.OptionRetryConfig(retry), slack.OptionAPIURL(emu.APIURL())))
	}
	return apis
}

// accepted returns when the emulator accepted each call to method.
func accepted(emu *slackemu.Server, method string) []time.Time {
	var at []time.Time
	for _, c := range emu.CallsTo(method) {
		if c.Status == 200 {
			at = append(at, c.At)
		}
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	return at
}

// TestReplicasShareOneBudget: two processes posting at once spend one
// budget, as Slack counts it: a burst of 10, then one post every 200 ms
// (300 a minute) between them, not each.
func TestReplicasShareOneBudget(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		emu := slackemu.New(slackemu.Config{})
		t.Cleanup(emu.Close)
		for i := range 20 {
			emu.AddUser(slackemu.User{ID: fmt.Sprintf("U%02d", i), Name: fmt.Sprintf("u%d", i)})
		}
		apis := replicas(t, emu, url, 2)
		var wg sync.WaitGroup
		for r, api := range apis {
			for i := range 10 {
				wg.Go(func() {
					if _, _, err := api.PostMessageContext(t.Context(), fmt.Sprintf("U%02d", r*10+i), slack.MsgOptionText("hi", false)); err != nil {
						t.Error(err)
					}
				})
			}
		}
		wg.Wait()
		at := accepted(emu, "chat.postMessage")
		if len(at) != 20 {
			t.Fatalf("%d posts accepted, want 20", len(at))
		}
		// Posts 11 to 20 come one every 200 ms after the burst: 10 of them
		// take at least 1.8 s after the first.
		if span := at[19].Sub(at[0]); span < 1800*time.Millisecond {
			t.Errorf("20 posts from two processes took %v: each spent a budget of its own", span)
		}
		for i := 11; i < 20; i++ {
			if gap := at[i].Sub(at[i-1]); gap < 150*time.Millisecond {
				t.Errorf("posts %d and %d came %v apart, past the burst", i, i+1, gap)
			}
		}
		if v := emu.Violations(); len(v) > 0 {
			t.Errorf("violations: %v", v)
		}
	})
}

// TestRetryAfterHoldsEveryReplica: Slack answers one process's post with
// 429 and Retry-After: 2. Another process, posting meanwhile, waits for it
// too: nothing reaches Slack before the Retry-After has run out (the
// emulator counts a call before it as a violation).
func TestRetryAfterHoldsEveryReplica(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		emu := slackemu.New(slackemu.Config{})
		t.Cleanup(emu.Close)
		emu.AddUser(slackemu.User{ID: "U1", Name: "one"})
		emu.AddUser(slackemu.User{ID: "U2", Name: "two"})
		apis := replicas(t, emu, url, 2)
		emu.RateLimitNext("chat.postMessage", 2, 1)
		done := make(chan error, 1)
		go func() {
			_, _, err := apis[0].PostMessageContext(t.Context(), "U1", slack.MsgOptionText("first", false))
			done <- err
		}()
		deadline := time.Now().Add(5 * time.Second)
		for len(emu.CallsTo("chat.postMessage")) == 0 {
			if time.Now().After(deadline) {
				t.Fatal("the first post never reached Slack")
			}
			time.Sleep(time.Millisecond)
		}
		limited := emu.CallsTo("chat.postMessage")[0]
		if limited.Status != 429 {
			t.Fatalf("the first post was answered %d", limited.Status)
		}
		// B posts 300 ms after the 429: long after A has recorded the hold
		// (one transaction), long before the Retry-After runs out, and
		// before slack-go's own retry of A's post.
		time.Sleep(300 * time.Millisecond)
		if _, _, err := apis[1].PostMessageContext(t.Context(), "U2", slack.MsgOptionText("second", false)); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		at := accepted(emu, "chat.postMessage")
		if len(at) != 2 || at[0].Sub(limited.At) < 2*time.Second {
			t.Errorf("posts accepted at %v, the 429 at %v: the Retry-After was not waited out", at, limited.At)
		}
		if v := emu.Violations(); len(v) > 0 {
			t.Errorf("Slack's rules broken:\n%s", strings.Join(v, "\n"))
		}
	})
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
