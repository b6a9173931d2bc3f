package app

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// progress tells an operator where a long command is, on standard error.
// Nothing shows for the first few seconds, so a quick run prints only its
// result. After that, on a terminal, one status line is rewritten in place
// (with \r) as the work goes on; anywhere else (a log file, a pipe, a job
// runner) a status line is printed now and then, each on its own line.
// The time comes from the App's clock, so tests can move it.
type progress struct {
	w     io.Writer
	tty   bool
	now   func() time.Time
	quiet time.Duration // no status line before this much time has passed
	every time.Duration // not on a terminal: at most one status line this often

	mu     sync.Mutex
	start  time.Time
	shown  time.Time // when the last status line was printed (not on a terminal)
	drawn  int       // the width of the status line now on the terminal; 0 when none
	begins bool      // no status line was printed yet
}

// Defaults for progress: "more than a few seconds", and a line every half
// minute in a log (about every 10 pages of Slack's user list).
const (
	progressQuiet = 3 * time.Second
	progressEvery = 30 * time.Second
)

// newProgress reports to w, a terminal when it is one.
func newProgress(w io.Writer, now func() time.Time) *progress {
	return &progress{w: w, tty: isTerminal(w), now: now, quiet: progressQuiet, every: progressEvery, start: now(), begins: true}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Status shows where the work is: a line that the next one replaces.
func (p *progress) Status(line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if now.Sub(p.start) < p.quiet {
		return
	}
	if p.tty {
		pad := max(p.drawn-len([]rune(line)), 0)
		fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", pad))
		p.drawn = len([]rune(line)) + pad // what the terminal shows now
		return
	}
	if !p.begins && now.Sub(p.shown) < p.every {
		return
	}
	fmt.Fprintln(p.w, line)
	p.shown, p.begins = now, false
}

// Print prints a line to keep, after clearing the status line.
func (p *progress) Print(line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	fmt.Fprintln(p.w, line)
}

// Done clears the status line, so what follows starts on a clean line.
func (p *progress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
}

func (p *progress) clear() {
	if p.tty && p.drawn > 0 {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.drawn))
		p.drawn = 0
	}
}

// Count shows that done of total things are done, with the time left at
// the pace so far: "Nudges: 3,000 of 12,000 people, about 2 min left".
func (p *progress) Count(what, unit string, done, total int) {
	elapsed := p.now().Sub(p.start)
	line := fmt.Sprintf("%s: %s of %s %s", what, thousands(done), thousands(total), unit)
	if done > 0 && done < total {
		left := time.Duration(float64(elapsed) * float64(total-done) / float64(done))
		line += ", " + timeLeft(left)
	}
	p.Status(line)
}

// timeLeft says how long is left in words, rounded.
func timeLeft(d time.Duration) string {
	if d < 10*time.Second {
		return "a few seconds left"
	}
	if d < 55*time.Second {
		return fmt.Sprintf("about %d s left", (d+5*time.Second)/(10*time.Second)*10)
	}
	m := int((d + 30*time.Second) / time.Minute)
	if m < 90 {
		return fmt.Sprintf("about %d min left", m)
	}
	return fmt.Sprintf("about %d h %d min left", m/60, m%60)
}

// thousands writes n with commas: 12,000.
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// timeZonesProgress is where the time zone refresh is in Slack's user
// list. Its length is not known until its end; it is at least as long as
// the people in the program, so until that many accounts are read the time
// left is at least what their pages take.
func timeZonesProgress(pages, accounts, people, pageSize int, perPage time.Duration) string {
	read := fmt.Sprintf("Time zones: read %s of Slack's user list (%s accounts)", plural(pages, "page", "pages"), thousands(accounts))
	if accounts >= people || pageSize == 0 {
		return read + "; the rest depends on the size of the workspace"
	}
	left := timeLeft(time.Duration((people-accounts+pageSize-1)/pageSize) * perPage)
	return read + ", " + strings.Replace(left, "about ", "at least ", 1)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return thousands(n) + " " + many
}
