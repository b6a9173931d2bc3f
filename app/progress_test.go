package app

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeClock is a clock the test moves.
type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time     { return c.t }
func (c *fakeClock) at(d time.Duration) { c.t = progressStart.Add(d) }

var progressStart = time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)

// TestProgressInALog: nothing for the first seconds, then a status line
// now and then, each on its own line; lines to keep always.
func TestProgressInALog(t *testing.T) {
	clock := &fakeClock{t: progressStart}
	var out strings.Builder
	p := newProgress(&out, clock.Now)
	for _, step := range []struct {
		at   time.Duration
		line string
	}{
		{1 * time.Second, "one"}, // too soon: nothing
		{2900 * time.Millisecond, "two"},
		{3 * time.Second, "three"}, // the first
		{20 * time.Second, "four"}, // within 30 s of it: nothing
		{33 * time.Second, "five"}, // 30 s after it
		{50 * time.Second, "six"},
		{63 * time.Second, "seven"},
	} {
		clock.at(step.at)
		p.Status(step.line)
	}
	p.Print("Saving…")
	p.Done()
	if diff := cmp.Diff("three\nfive\nseven\nSaving…\n", out.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestProgressOnATerminal: one line rewritten in place, blanked past its
// end when shorter, cleared before a line to keep and at the end.
func TestProgressOnATerminal(t *testing.T) {
	clock := &fakeClock{t: progressStart}
	var out strings.Builder
	p := newProgress(&out, clock.Now)
	p.tty = true
	clock.at(time.Second)
	p.Status("too soon")
	clock.at(4 * time.Second)
	p.Status("12 of 40")
	clock.at(5 * time.Second)
	p.Status("13 of 40")
	p.Status("9")
	p.Print("Found all.")
	p.Status("x")
	p.Done()
	p.Done() // nothing left to clear
	want := "\r12 of 40" + "\r13 of 40" + "\r9       " + "\r        \r" + "Found all.\n" + "\rx" + "\r \r"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestProgressCountsTheTimeLeft(t *testing.T) {
	for _, tc := range []struct {
		elapsed     time.Duration
		done, total int
		want        string
	}{
		{10 * time.Second, 1000, 4000, "Nudge sweep: 1,000 of 4,000 people decided, about 30 s left"},
		{time.Minute, 1000, 4000, "Nudge sweep: 1,000 of 4,000 people decided, about 3 min left"},
		{5 * time.Second, 3999, 4000, "Nudge sweep: 3,999 of 4,000 people decided, a few seconds left"},
		{40 * time.Second, 4000, 4000, "Nudge sweep: 4,000 of 4,000 people decided"},
		{4 * time.Second, 0, 120000, "Nudge sweep: 0 of 120,000 people decided"},
		{20 * time.Minute, 10000, 120000, "Nudge sweep: 10,000 of 120,000 people decided, about 3 h 40 min left"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			clock := &fakeClock{t: progressStart}
			var out strings.Builder
			p := newProgress(&out, clock.Now)
			clock.at(tc.elapsed)
			p.Count("Nudge sweep", "people decided", tc.done, tc.total)
			if got := out.String(); got != tc.want+"\n" {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTimeLeft(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "a few seconds left"},
		{9 * time.Second, "a few seconds left"},
		{14 * time.Second, "about 10 s left"},
		{15 * time.Second, "about 20 s left"},
		{54 * time.Second, "about 50 s left"},
		{55 * time.Second, "about 1 min left"},
		{89 * time.Second, "about 1 min left"},
		{90 * time.Second, "about 2 min left"},
		{89*time.Minute + 29*time.Second, "about 89 min left"},
		{119*time.Minute + 45*time.Second, "about 2 h 0 min left"},
	} {
		if got := timeLeft(tc.d); got != tc.want {
			t.Errorf("timeLeft(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestTimeZonesProgress(t *testing.T) {
	for _, tc := range []struct {
		pages, accounts, people, pageSize int
		perPage                           time.Duration
		want                              string
	}{
		{1, 1000, 100000, 1000, 3100 * time.Millisecond, "Time zones: read 1 page of Slack's user list (1,000 accounts), at least 5 min left"},
		{99, 99000, 100000, 1000, 3100 * time.Millisecond, "Time zones: read 99 pages of Slack's user list (99,000 accounts), a few seconds left"},
		{10, 9500, 10000, 1000, 3100 * time.Millisecond, "Time zones: read 10 pages of Slack's user list (9,500 accounts), a few seconds left"},
		{5, 5000, 30000, 1000, 3 * time.Second, "Time zones: read 5 pages of Slack's user list (5,000 accounts), at least 1 min left"},
		{101, 101000, 100000, 1000, 3100 * time.Millisecond, "Time zones: read 101 pages of Slack's user list (101,000 accounts); the rest depends on the size of the workspace"},
	} {
		if got := timeZonesProgress(tc.pages, tc.accounts, tc.people, tc.pageSize, tc.perPage); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
}
