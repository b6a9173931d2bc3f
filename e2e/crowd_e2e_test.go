package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/massperform/massperform/storage/storagetest"
)

// TestEveryFormOpensInACrowd: sixty managers ask for a form in the same
// moment, more than any budget of ours would let through in a trigger's
// three seconds. Every form opens: views.open is never held back by us.
func TestEveryFormOpensInACrowd(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		const n = 60
		emu, _, roster := loadWorkspace(n)
		t.Cleanup(emu.Close)
		skipIfShort(t)
		w := &world{t: t, emu: emu, dbURL: url, logs: &lockedBuffer{}, extra: map[string]string{"LOG_LEVEL": "warn"},
			clock: &testClock{t: time.Date(2026, 8, 3, 14, 0, 0, 0, time.UTC)}}
		t.Cleanup(w.checkSlackUse)
		if out, code := w.importRoster(roster); code != 0 {
			t.Fatal(out)
		}
		w.start()
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				if _, err := emu.SlashCommand(ctx, fmt.Sprintf("U0LM%03d", i), "/perform", fmt.Sprintf("expectations <@U0LR%03d|r%d>", i, i)); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		deadline := time.Now().Add(10 * time.Second)
		for {
			opened, told := 0, []string{}
			for i := range n {
				m := fmt.Sprintf("U0LM%03d", i)
				if v := emu.TopView(m); v != nil && v.CallbackID == "expectations" {
					opened++
				}
				for _, msg := range emu.MessagesTo(m) {
					told = append(told, messageText(msg))
				}
			}
			if opened == n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d forms opened; people were told:\n%s", opened, n, strings.Join(told, "\n"))
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// TestABusySlackSaysWhenToTryAgain: when Slack answers views.open with a
// 429 whose Retry-After fits in the trigger's life, the form opens after
// it; when it outlives the trigger, the person is told at once when to try
// again, and so is the next person who asks before it runs out, without
// asking Slack again (which would break its rules: the emulator flags it).
func TestABusySlackSaysWhenToTryAgain(t *testing.T) {
	w := startCast(t, t.TempDir()+"/busy.db", "2026-08-03")
	w.emu.RateLimitNext("views.open", 1, 1)
	w.command(mona, "expectations <@U0ELI|eli>")
	form := w.waitTopView(mona, "expectations")
	w.emu.CloseView(w.ctx(), mona, form.ID)

	w.emu.RateLimitNext("views.open", 30, 1)
	start := time.Now()
	mustContain(t, "Mona's answer", w.reply(mona, "expectations <@U0ELI|eli>"),
		"Slack is busy right now, so the form didn't open. Please try again in 30 seconds.")
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("the answer took %v: it should come within the trigger's life", took)
	}
	if v := w.emu.TopView(mona); v != nil {
		t.Errorf("a form opened: %s", v.CallbackID)
	}
	asked := len(w.emu.CallsTo("views.open"))
	mustContain(t, "Dana's answer, moments later", w.reply(dana, "expectations <@U0MONA|mona>"), "Slack is busy right now", "Please try again in")
	if n := len(w.emu.CallsTo("views.open")); n != asked {
		t.Errorf("Slack was asked %d more times before its Retry-After ran out", n-asked)
	}
}
