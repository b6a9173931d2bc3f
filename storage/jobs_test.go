package storage_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// A job's lock keeps out everyone else on the database: another process
// (another Store, as the command line opens one beside the bot's) and
// another call in the same process. Other jobs go on meanwhile, and the
// job is free again once its holder lets go.
func TestJobLockKeepsOthersOut(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		clock := &fixedClock{t: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
		bot := storagetest.Open(t, url, clock)
		cli := storagetest.Open(t, url, clock)
		ctx := context.Background()
		ran, err := bot.WithJobLock(ctx, "rehearsal clock", func(ctx context.Context) error {
			for _, other := range []struct {
				name string
				s    *storage.Store
			}{{"another process", cli}, {"the same process", bot}} {
				ran, err := other.s.WithJobLock(ctx, "rehearsal clock", func(context.Context) error {
					t.Errorf("%s ran the job while it was held", other.name)
					return nil
				})
				if err != nil || ran {
					t.Errorf("%s: ran %v, err %v; want false, nil", other.name, ran, err)
				}
			}
			ran, err := cli.WithJobLock(ctx, "nudges", func(context.Context) error { return nil })
			if err != nil || !ran {
				t.Errorf("another job: ran %v, err %v; want true, nil", ran, err)
			}
			return nil
		})
		if err != nil || !ran {
			t.Fatalf("the first holder: ran %v, err %v", ran, err)
		}
		ran, err = cli.WithJobLock(ctx, "rehearsal clock", func(context.Context) error { return nil })
		if err != nil || !ran {
			t.Errorf("after the holder let go: ran %v, err %v; want true, nil", ran, err)
		}
		wantErr := fmt.Errorf("the job failed")
		if _, err := bot.WithJobLock(ctx, "digest", func(context.Context) error { return wantErr }); err != wantErr {
			t.Errorf("the job's own error: got %v", err)
		}
	})
}

// holdJobLockEnv makes the test binary a process that takes the "nudges"
// lock of the database it names, says so, and holds it until killed.
const holdJobLockEnv = "MASSPERFORM_TEST_HOLD_JOB_LOCK"

func holdJobLock(url string) {
	ctx := context.Background()
	s, err := storage.Open(ctx, url, &fixedClock{t: time.Now()}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	ran, err := s.WithJobLock(ctx, "nudges", func(context.Context) error {
		fmt.Println("holding")
		select {}
	})
	fmt.Println("not held:", ran, err)
	os.Exit(1)
}

// A process killed while it holds a job's lock does not keep the job from
// running: the system lets its lock go.
func TestJobLockOfAKilledProcessIsFree(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s := storagetest.Open(t, url, &fixedClock{t: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)})
		ctx := context.Background()
		cmd := exec.Command(os.Args[0], "-test.run", "^$")
		cmd.Env = append(os.Environ(), holdJobLockEnv+"="+url)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		line, _ := bufio.NewReader(out).ReadString('\n')
		if line != "holding\n" {
			t.Fatalf("the other process: %q", line)
		}
		ran, err := s.WithJobLock(ctx, "nudges", func(context.Context) error { return nil })
		if err != nil || ran {
			t.Fatalf("while the other process holds the lock: ran %v, err %v; want false, nil", ran, err)
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		// PostgreSQL ends the session once it sees the connection closed.
		deadline := time.Now().Add(10 * time.Second)
		for {
			ran, err := s.WithJobLock(ctx, "nudges", func(context.Context) error { return nil })
			if err != nil {
				t.Fatal(err)
			}
			if ran {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("the killed process's lock was still held 10 s later")
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

// A database in memory has no file to lock beside it, and no other
// process can open it: its job locks keep out other calls in this one.
func TestJobLockInMemory(t *testing.T) {
	ctx := context.Background()
	s, err := storage.Open(ctx, ":memory:", &fixedClock{t: time.Now()}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ran, err := s.WithJobLock(ctx, "nudges", func(ctx context.Context) error {
		ran, err := s.WithJobLock(ctx, "nudges", func(context.Context) error { return nil })
		if err != nil || ran {
			t.Errorf("a second call: ran %v, err %v; want false, nil", ran, err)
		}
		return nil
	})
	if err != nil || !ran {
		t.Errorf("the first call: ran %v, err %v", ran, err)
	}
	if _, err := os.Stat(":memory:.job-nudges.lock"); err == nil {
		t.Error("a lock file was made for a database in memory")
	}
}
