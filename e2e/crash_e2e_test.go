package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/scheduler"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// TestNoDuplicateAfterACrash plays a process that stopped mid-delivery:
// it had claimed two notifications, started sending the first and posted
// it, and recorded neither outcome. After a restart the bot looks for the
// one whose send had started before posting it again: it went out, so it
// is recorded, not sent twice. The other, claimed but never started,
// goes out once, without a look.
func TestNoDuplicateAfterACrash(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url, "2026-08-03")
		if out, code := w.importRoster(castRoster); code != 0 {
			t.Fatalf("roster import exited %d:\n%s", code, out)
		}
		s := openStore(t, w)
		ctx := context.Background()
		posted, _ := scheduler.EncodePayload("Posted before the crash", nil)
		lost, _ := scheduler.EncodePayload("Claimed but never posted", nil)
		if err := s.Enqueue(ctx, []storage.Notification{
			{Key: "crash:posted", Recipient: mona, Kind: "test", Payload: posted},
			{Key: "crash:lost", Recipient: mona, Kind: "test", Payload: lost},
		}); err != nil {
			t.Fatal(err)
		}
		items, err := s.ClaimOutbox(ctx, 10, 2*time.Minute)
		if err != nil || len(items) != 2 {
			t.Fatalf("claimed %d, %v", len(items), err)
		}
		// The crashed process started the first and posted it, with its
		// key, as the sender does.
		if err := s.StartSend(ctx, items[0].Claim, 2*time.Minute); err != nil {
			t.Fatal(err)
		}
		api := slack.New(w.emu.BotToken(), slack.OptionAPIURL(w.emu.APIURL()))
		_, _, err = api.PostMessageContext(ctx, mona, slack.MsgOptionText("Posted before the crash", false),
			slack.MsgOptionMetadata(slack.SlackMetadata{EventType: scheduler.MetadataEventType, EventPayload: map[string]any{"key": "crash:posted"}}))
		if err != nil {
			t.Fatal(err)
		}

		// Its leases run out; a new bot starts.
		w.clock.mu.Lock()
		w.clock.t = w.clock.t.Add(3 * time.Minute)
		w.clock.mu.Unlock()
		w.start()
		w.dmWith(mona, "Claimed but never posted")
		deadline := time.Now().Add(10 * time.Second)
		for {
			counts, _ := s.OutboxCounts(ctx)
			if counts[storage.OutboxSent] == 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("outbox = %v", counts)
			}
			time.Sleep(20 * time.Millisecond)
		}
		for text, want := range map[string]int{"Posted before the crash": 1, "Claimed but never posted": 1} {
			n := 0
			for _, m := range w.emu.MessagesTo(mona) {
				if strings.Contains(m.Text, text) {
					n++
				}
			}
			if n != want {
				t.Errorf("Mona has %q %d times, want %d", text, n, want)
			}
		}
		if n := len(w.emu.CallsTo("conversations.history")); n != 1 {
			t.Errorf("the bot looked in Slack %d times, want once: for the notification whose send had started", n)
		}
	})
}
