package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/massperform/massperform/scheduler"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// TestStorms queues twenty notifications and sends them through a 429
// storm and then a 5xx storm (the 5xx backoff of the sender itself is
// tested in the scheduler package): every one arrives exactly once, and the bot
// never calls again before a Retry-After has run out (the emulator counts
// that as a violation, and the harness fails the test on any).
func TestStorms(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url, "2026-08-03")
		if out, code := w.importRoster(castRoster); code != 0 {
			t.Fatalf("roster import exited %d:\n%s", code, out)
		}
		s := openStore(t, w)
		var ns []storage.Notification
		users := []string{mona, eli, zoe, pat, dana}
		for i := range 20 {
			payload, _ := scheduler.EncodePayload(fmt.Sprintf("Storm message %02d", i), nil)
			ns = append(ns, storage.Notification{Key: fmt.Sprintf("storm:%d", i), Recipient: users[i%len(users)], Kind: "test", Payload: payload})
		}
		if err := s.Enqueue(context.Background(), ns); err != nil {
			t.Fatal(err)
		}
		// Five 429s in a row outlast slack-go's own retries, so the sender
		// has to hold everything back once; two 5xx are absorbed by those
		// retries.
		w.emu.RateLimitNext("chat.postMessage", 1, 5)
		w.emu.FailNext("chat.postMessage", 503, 2)
		w.tick()
		w.start()
		deadline := time.Now().Add(60 * time.Second)
		for {
			counts, _ := s.OutboxCounts(context.Background())
			if counts[storage.OutboxSent] == 20 {
				break
			}
			if time.Now().After(deadline) || counts[storage.OutboxFailed] > 0 {
				t.Fatalf("outbox = %v", counts)
			}
			time.Sleep(50 * time.Millisecond)
		}
		seen := map[string]int{}
		for _, m := range w.emu.Messages() {
			if strings.HasPrefix(m.Text, "Storm message") {
				seen[m.Text]++
			}
		}
		if len(seen) != 20 {
			t.Errorf("%d distinct messages arrived, want 20", len(seen))
		}
		for text, n := range seen {
			if n != 1 {
				t.Errorf("%q arrived %d times", text, n)
			}
		}
		var statuses []int
		for _, c := range w.emu.CallsTo("chat.postMessage") {
			if c.Status != 200 {
				statuses = append(statuses, c.Status)
			}
		}
		if len(statuses) != 7 {
			t.Errorf("failed calls = %v, want the 7 injected", statuses)
		}
	})
}

// tick makes the world's clock run with real time until the test ends, for
// tests that wait on retries scheduled by it.
func (w *world) tick() {
	done := make(chan struct{})
	w.t.Cleanup(func() { close(done) })
	go func() {
		last := time.Now()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				w.clock.mu.Lock()
				w.clock.t = w.clock.t.Add(now.Sub(last))
				w.clock.mu.Unlock()
				last = now
			}
		}
	}()
}
