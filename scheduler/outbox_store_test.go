package scheduler

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/internal/pgtest"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// settableClock is a clock the test moves.
type settableClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *settableClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *settableClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fakeSlack is one workspace that several senders post to: it records
// every message by its outbox key, finds them again, and shares files. A
// post can be made to hang after Slack has taken it.
type fakeSlack struct {
	mu      sync.Mutex
	posts   map[string]int // outbox key → times posted
	shares  map[string]int // file name → times shared
	lookups []string       // keys looked for
	// holds make the first post of a key hang, once Slack has taken it,
	// until the channel is closed; taken receives the key.
	holds map[string]chan struct{}
	taken chan string
}

func newFakeSlack() *fakeSlack {
	return &fakeSlack{posts: map[string]int{}, shares: map[string]int{}, holds: map[string]chan struct{}{}, taken: make(chan string, 1)}
}

func (f *fakeSlack) PostMessageContext(ctx context.Context, ch string, opts ...slack.MsgOption) (string, string, error) {
	_, vals, err := slack.UnsafeApplyMsgOptions("", ch, "", opts...)
	if err != nil {
		return "", "", err
	}
	var meta slack.SlackMetadata
	if err := json.Unmarshal([]byte(vals.Get("metadata")), &meta); err != nil {
		return "", "", err
	}
	key := fmt.Sprint(meta.EventPayload["key"])
	f.mu.Lock()
	f.posts[key]++
	hold := f.holds[key]
	delete(f.holds, key)
	f.mu.Unlock()
	if hold != nil {
		f.taken <- key
		<-hold
	}
	return "D" + ch, "1.0", nil
}

func (f *fakeSlack) FindNotification(_ context.Context, recipient, _, key string, _ time.Time) (string, string, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups = append(f.lookups, key)
	return "D" + recipient, "1.0", f.posts[key] > 0, nil
}

func (f *fakeSlack) ShareFile(_ context.Context, _ string, file bot.File, start func() error) error {
	if err := start(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.shares[file.Name]++
	return nil
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestTwoSendersOneOutbox: sender A's batch outlives its lease behind a
// post that hangs; sender B, in another process, claims the batch, finds
// the post in doubt and records it, and is posting the next when A's
// post answers at last. A then sends nothing more of the batch it no
// longer holds: each notification goes out once.
func TestTwoSendersOneOutbox(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		program := review.ClockFunc(func() time.Time { return time.Date(2026, 8, 3, 14, 0, 0, 0, time.UTC) })
		wall := &settableClock{t: time.Date(2026, 8, 3, 14, 0, 0, 0, time.UTC)}
		storeA, storeB := storagetest.Open(t, url, program), storagetest.Open(t, url, program)
		storeA.LeaseOnRealTime(wall)
		storeB.LeaseOnRealTime(wall)
		var ns []storage.Notification
		for i := range 3 {
			p, _ := EncodePayload(fmt.Sprintf("message %d", i), nil)
			ns = append(ns, storage.Notification{Key: fmt.Sprintf("k%d", i), Recipient: fmt.Sprintf("U%d", i), Kind: "test", Payload: p})
		}
		if err := storeA.Enqueue(context.Background(), ns); err != nil {
			t.Fatal(err)
		}
		fs := newFakeSlack()
		holdA, holdB := make(chan struct{}), make(chan struct{})
		fs.holds["k0"], fs.holds["k1"] = holdA, holdB
		deliver := func(s *Sender) <-chan int {
			done := make(chan int, 1)
			go func() {
				n, err := s.Deliver(context.Background())
				if err != nil {
					t.Error(err)
				}
				done <- n
			}()
			return done
		}
		aDone := deliver(NewSender(storeA, fs, program, quiet()))
		if key := <-fs.taken; key != "k0" {
			t.Fatalf("A's first post was %s", key)
		}
		// A's post hangs past every lease it holds; B takes over.
		wall.add(lease + time.Second)
		bDone := deliver(NewSender(storeB, fs, program, quiet()))
		if key := <-fs.taken; key != "k1" {
			t.Fatalf("B's first post was %s", key)
		}
		close(holdA)
		if n := <-aDone; n != 1 {
			t.Errorf("A counts %d sent, want its one post", n)
		}
		close(holdB)
		if n := <-bDone; n != 3 {
			t.Errorf("B counts %d sent, want 3 (k0 found, k1 and k2 posted)", n)
		}
		for i := range 3 {
			if n := fs.posts[fmt.Sprintf("k%d", i)]; n != 1 {
				t.Errorf("k%d posted %d times, want 1", i, n)
			}
		}
		if len(fs.lookups) != 1 || fs.lookups[0] != "k0" {
			t.Errorf("looked for %v, want only k0, whose send had started", fs.lookups)
		}
		counts, _ := storeA.OutboxCounts(context.Background())
		if counts[storage.OutboxSent] != 3 {
			t.Errorf("outbox = %v", counts)
		}
	})
}

// TestACrashLosesNoFileUntried: a process died while posting HR's digest,
// with the digest's CSV claimed in the same batch but not started, and a
// second file whose share had started. After the leases run out, a new
// sender looks for the digest (it had not gone out) and posts it, shares
// the CSV that was never started, and does not share the one in doubt
// again: a file is shared at most once, and only a file whose share
// started is given up.
func TestACrashLosesNoFileUntried(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		program := review.ClockFunc(func() time.Time { return time.Date(2026, 8, 3, 12, 0, 0, 0, time.UTC) })
		wall := &settableClock{t: time.Date(2026, 8, 3, 12, 0, 0, 0, time.UTC)}
		s := storagetest.Open(t, url, program)
		s.LeaseOnRealTime(wall)
		msg, _ := EncodePayload("HR digest", nil)
		csv, _ := EncodeFile(bot.File{Name: "digest.csv", Data: []byte("a,b\n")})
		earlier, _ := EncodeFile(bot.File{Name: "earlier.csv", Data: []byte("c,d\n")})
		ctx := context.Background()
		if err := s.Enqueue(ctx, []storage.Notification{
			{Key: "digest:earlier:file", Recipient: "CHR", Kind: "digest file", Payload: earlier},
			{Key: "digest:1", Recipient: "CHR", Kind: "digest", Payload: msg},
			{Key: "digest:1:file", Recipient: "CHR", Kind: "digest file", Payload: csv},
		}); err != nil {
			t.Fatal(err)
		}
		// The process that dies: it had shared (or was sharing) the
		// earlier file, and was posting the digest.
		items, err := s.ClaimOutbox(ctx, batchSize, lease)
		if err != nil || len(items) != 3 {
			t.Fatalf("claimed %d, %v", len(items), err)
		}
		for _, it := range items[:2] {
			if err := s.StartSend(ctx, it.Claim, lease); err != nil {
				t.Fatal(err)
			}
		}
		wall.add(lease + time.Second)

		fs := newFakeSlack()
		n, err := NewSender(s, fs, program, quiet()).Deliver(ctx)
		if err != nil || n != 2 {
			t.Fatalf("delivered %d, %v; want the digest and its CSV", n, err)
		}
		if fs.posts["digest:1"] != 1 || fs.shares["digest.csv"] != 1 || fs.shares["earlier.csv"] != 0 {
			t.Errorf("posts %v, shares %v", fs.posts, fs.shares)
		}
		if len(fs.lookups) != 1 || fs.lookups[0] != "digest:1" {
			t.Errorf("looked for %v, want the digest only", fs.lookups)
		}
		counts, _ := s.OutboxCounts(ctx)
		if counts[storage.OutboxSent] != 2 || counts[storage.OutboxFailed] != 1 {
			t.Errorf("outbox = %v, want 2 sent and the file in doubt failed", counts)
		}
	})
}
