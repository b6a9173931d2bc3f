package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/massperform/massperform/internal/pgtest"
	"github.com/massperform/massperform/internal/slackemu"
	"github.com/massperform/massperform/scheduler"
	"github.com/massperform/massperform/storage"
)

// TestReplicasDeliverOnceWithinOneBudget runs three bot processes (the
// built binary) on one PostgreSQL database against one workspace, with
// 1,000 notifications queued and a 429 storm (eight in a row, Retry-After
// 2 s) injected when about 400 have gone out. Every notification is
// delivered exactly once (counted by the outbox key in each message's
// metadata); Slack never accepts more posts within a trailing minute than
// our budget of 300 (plus its burst of 10), well under chat.postMessage's
// limit; nothing is called before a Retry-After runs out; and the only
// 429s are the injected ones. Each process posts its share. It takes
// about three and a half minutes: 1,000 posts at 300 a minute, and the
// storm.
func TestReplicasDeliverOnceWithinOneBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and posts 1,000 messages at Slack's pace")
	}
	t.Parallel() // most of it is waiting on the budget
	bin := buildBinary(t)
	w := newWorld(t, pgtest.NewDatabase(t), "2026-08-03")
	const people, total, storm = 250, 1000, 8
	var users []string
	for i := range people {
		id := fmt.Sprintf("U1%04d", i)
		w.emu.AddUser(slackemu.User{ID: id, Name: fmt.Sprintf("p%d", i), RealName: fmt.Sprintf("Person %d", i), Email: fmt.Sprintf("p%d@example.org", i), TZ: "America/New_York"})
		users = append(users, id)
	}
	s := openStore(t, w)

	var (
		metricsAt []string
		procs     []*exec.Cmd
		exits     []<-chan error
	)
	for range 3 {
		cmd, exited := w.runBinary(bin)
		procs, exits = append(procs, cmd), append(exits, exited)
		metricsAt = append(metricsAt, w.http)
	}
	var ns []storage.Notification
	for i := range total {
		payload, _ := scheduler.EncodePayload(fmt.Sprintf("Replica message %04d", i), nil)
		ns = append(ns, storage.Notification{Key: fmt.Sprintf("replica:%04d", i), Recipient: users[i%people], Kind: "test", Payload: payload})
	}
	began := time.Now()
	if err := s.Enqueue(context.Background(), ns); err != nil {
		t.Fatal(err)
	}

	sent := func() int {
		counts, err := s.OutboxCounts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if counts[storage.OutboxFailed] > 0 {
			t.Fatalf("outbox = %v", counts)
		}
		return counts[storage.OutboxSent]
	}
	// At 300 a minute, 1,000 posts take about 3.3 minutes, the storm some
	// 20 s more; the deadline is more than twice that.
	deadline := began.Add(8 * time.Minute)
	stormed := false
	for n := sent(); n < total; n = sent() {
		if !stormed && n >= 400 {
			w.emu.RateLimitNext("chat.postMessage", 2, storm)
			stormed = true
			t.Logf("429 storm injected after %d sent, %v in", n, time.Since(began).Round(time.Second))
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d sent after %v", n, total, time.Since(began))
		}
		time.Sleep(100 * time.Millisecond)
	}
	took := time.Since(began)

	// Each process did its share.
	okPosts := regexp.MustCompile(`massperform_slack_calls_total\{method="chat\.postMessage",outcome="ok"\} (\d+)`)
	var shares []int
	for _, addr := range metricsAt {
		w.http = addr
		_, body := w.get("/metrics")
		n := 0
		if m := okPosts.FindStringSubmatch(body); m != nil {
			n, _ = strconv.Atoi(m[1])
		}
		shares = append(shares, n)
		if n == 0 {
			t.Errorf("the process at %s posted nothing", addr)
		}
	}
	// Then stop them, as SIGTERM does: a post under way is finished and
	// recorded first. Once they have exited nothing more can arrive, so
	// the count below misses no duplicate, however late, without sleeping
	// past every backoff and lease. (Every notification was recorded as
	// sent already, and a send starts only on one that is not.)
	for i, cmd := range procs {
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-exits[i]:
			if err != nil {
				t.Errorf("process %d exited with %v", i, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("process %d did not stop", i)
		}
	}

	// Exactly once, by outbox key.
	seen := map[string]int{}
	for _, m := range w.emu.Messages() {
		var meta struct {
			EventType    string         `json:"event_type"`
			EventPayload map[string]any `json:"event_payload"`
		}
		if m.Via != "chat.postMessage" || json.Unmarshal(m.Metadata, &meta) != nil || meta.EventType != scheduler.MetadataEventType {
			continue
		}
		seen[fmt.Sprint(meta.EventPayload["key"])]++
	}
	for i := range total {
		if key := fmt.Sprintf("replica:%04d", i); seen[key] != 1 {
			t.Errorf("%s delivered %d times", key, seen[key])
		}
	}
	if len(seen) != total {
		t.Errorf("%d distinct notifications delivered, want %d", len(seen), total)
	}

	// Within Slack's limits and our one budget.
	limits := w.emu.Config().RateLimits
	peaks := w.emu.PeakRates()
	for method, peak := range peaks {
		if peak > limits[method] {
			t.Errorf("%s: %d accepted within a minute, above its limit of %d", method, peak, limits[method])
		}
	}
	if peak := peaks["chat.postMessage"]; peak > 310 {
		t.Errorf("chat.postMessage: %d posts within a minute from three processes, above our one budget of 300 a minute and a burst of 10", peak)
	}
	var statuses []int
	for _, c := range w.emu.CallsTo("chat.postMessage") {
		if c.Status != 200 {
			statuses = append(statuses, c.Status)
		}
	}
	if len(statuses) != storm || slices.ContainsFunc(statuses, func(s int) bool { return s != 429 }) {
		t.Errorf("failed posts = %v, want only the %d injected 429s", statuses, storm)
	}
	if v := w.emu.Violations(); len(v) > 0 {
		t.Errorf("Slack's rules broken %d times:\n%s", len(v), strings.Join(v[:min(len(v), 20)], "\n"))
	}

	t.Logf("%d notifications delivered once each by three processes %v in %v; chat.postMessage peaked at %d a minute (limit %d, our budget 300 + 10); %d posts answered 429 (%d injected); %d violations",
		len(seen), shares, took.Round(time.Second), peaks["chat.postMessage"], limits["chat.postMessage"], len(statuses), storm, len(w.emu.Violations()))
}
