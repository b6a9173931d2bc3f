package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/massperform/massperform/app"
	"github.com/massperform/massperform/internal/pgtest"
	"github.com/massperform/massperform/internal/slackemu"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// trainer runs the rehearsals: HR by HR_USERS, not on any roster.
const trainer = "U0TRAIN"

// rehearsalWorld is a rehearsal deployment of the bot in emu, on a real
// clock stopped at 7:00 in Boston on 24 November 2026.
func rehearsalWorld(t *testing.T, emu *slackemu.Server, url string, extra map[string]string) *world {
	skipIfShort(t)
	ny, _ := time.LoadLocation("America/New_York")
	emu.AddUser(slackemu.User{ID: trainer, Name: "terry", RealName: "Terry Train", Email: "terry@x.org", TZ: "America/New_York"})
	w := &world{t: t, emu: emu, dbURL: url, logs: &lockedBuffer{}, extra: map[string]string{"REHEARSAL": "true", "HR_USERS": trainer},
		clock: &testClock{t: time.Date(2026, 11, 24, 7, 0, 0, 0, ny)}}
	for k, v := range extra {
		w.extra[k] = v
	}
	t.Cleanup(w.checkSlackUse)
	return w
}

// rehearse moves the rehearsal's clock from Slack as user and waits for
// the move to finish; it returns the last answer.
func (w *world) rehearse(user, text string) string {
	w.t.Helper()
	before := len(w.emu.MessagesTo(user))
	w.command(user, "rehearsal "+text)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for {
		msgs := w.emu.MessagesTo(user)
		for _, m := range msgs[before:] {
			if m.Via != "command_ack" && m.Via != "response_url" {
				continue // a reminder, say
			}
			if got := messageText(m); strings.Contains(got, "The rehearsal is now on") || !strings.Contains(got, "Moving the clock") {
				return got
			}
		}
		select {
		case <-ctx.Done():
			w.t.Fatalf("/perform rehearsal %s did not finish", text)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// drained waits until the outbox has nothing left to send.
func (w *world) drained(s *storage.Store) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for {
		next, err := s.NextOutboxDue(ctx)
		if err != nil {
			w.t.Fatal(err)
		}
		if next.IsZero() {
			return
		}
		select {
		case <-ctx.Done():
			w.t.Fatal("the outbox did not drain")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// anotherDatabase returns a new, empty database of url's kind.
func anotherDatabase(t *testing.T, url string) string {
	if strings.HasPrefix(url, "postgres") {
		return pgtest.NewDatabase(t)
	}
	return filepath.Join(t.TempDir(), "other.db")
}

// delivery is a notification as received, without its rehearsal banner.
type delivery struct {
	to, text, blocks string
	banner           string // the banner's date, "" for none
}

// deliveries returns the notifications a workspace received, by outbox key.
func deliveries(t *testing.T, emu *slackemu.Server) map[string]delivery {
	out := map[string]delivery{}
	for _, m := range emu.Messages() {
		if m.Via != "chat.postMessage" {
			continue
		}
		var meta struct {
			EventPayload struct{ Key string } `json:"event_payload"`
		}
		_ = json.Unmarshal(m.Metadata, &meta)
		var raw struct {
			Blocks []map[string]any `json:"blocks"`
		}
		if err := json.Unmarshal(m.Raw, &raw); err != nil {
			t.Fatal(err)
		}
		d := delivery{to: m.User + m.Channel, text: m.Text}
		if m.User != "" {
			d.to = m.User
		}
		var blocks []map[string]any
		for _, b := range raw.Blocks {
			if b["block_id"] == "rehearsal_banner" {
				js, _ := json.Marshal(b)
				_, after, _ := strings.Cut(string(js), "the date here is ")
				d.banner, _, _ = strings.Cut(after, "*")
				continue
			}
			delete(b, "block_id") // the emulator names blocks at random
			blocks = append(blocks, b)
		}
		if d.banner != "" {
			_, d.text, _ = strings.Cut(d.text, d.banner+": ")
		}
		js, _ := json.Marshal(blocks)
		d.blocks = string(js)
		if _, dup := out[meta.EventPayload.Key]; dup {
			t.Errorf("%s was delivered twice", meta.EventPayload.Key)
		}
		out[meta.EventPayload.Key] = d
	}
	return out
}

// yearState is what a database holds at the end of the year: the
// compliance export and everyone's reminders.
func yearState(t *testing.T, s *storage.Store) string {
	ctx := context.Background()
	var b strings.Builder
	if _, _, err := review.WriteComplianceCSV(&b, review.ProgramScale, review.Actor{HR: true}, false, func(fn func(review.ComplianceRow) error) error {
		return s.ComplianceExport(ctx, 2027, "", fn)
	}); err != nil {
		t.Fatal(err)
	}
	for _, n := range slices.Sorted(func(yield func(string) bool) {
		for n := range simPeople {
			if !yield(n) {
				return
			}
		}
	}) {
		p, err := s.PersonBySlackID(ctx, simPeople[n].SlackID)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := s.RecentReminders(ctx, p.ID, 1000)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s reminded: %v\n", n, rs)
	}
	return b.String()
}

// TestRehearsalYear walks a rehearsal from July to the next June in a few
// dozen moves of its clock, from Slack and from the command line, while
// the simulated organisation does what it does in TestSimulatedYear. The
// rehearsal must deliver the same reminders and digests (each marked with
// its day), and end in the same state, as the simulated year.
func TestRehearsalYear(t *testing.T) {
	if testing.Short() {
		t.Skip("walks a whole year")
	}
	storagetest.Each(t, func(t *testing.T, url string) {
		t.Parallel() // most of it is waiting on Slack's rate limits
		_, simEmu, simStore := simulatedYear(t, anotherDatabase(t, url))

		emu := simEmulator(t, slackemu.Config{})
		w := rehearsalWorld(t, emu, url, map[string]string{"HR_CHANNEL": simHRChannel,
			"NUDGE_SCHEDULE": "0 9,12 * * *", "DIGEST_SCHEDULE": "0 8 * * 1"})
		w.start()
		mustContain(t, "the first move", w.rehearse(trainer, "date 2026-07-01"), "The rehearsal is now on 1 July 2026.")

		// The people act on the rehearsal's clock, as the bot sees it.
		virtual := review.NewShiftedClock(w.clock, 0)
		s := storagetest.Open(t, url, virtual)
		events := simEvents(t, s)
		days := slices.Sorted(func(yield func(string) bool) {
			for d := range events {
				if !yield(d) {
					return
				}
			}
		})
		days = append(days, "2027-07-01")
		var moves int
		last, _ := review.ParseDate("2026-07-01")
		for i, day := range days {
			d, _ := review.ParseDate(day)
			if d.After(last) {
				want := "The rehearsal is now on " + (review.Calendar{Loc: w.clock.t.Location()}).LongDate(d.In(w.clock.t.Location()))
				var got string
				switch i % 4 { // four ways to move the clock
				case 0:
					got = w.rehearse(trainer, "date "+day)
				case 1:
					got = w.rehearse(trainer, fmt.Sprintf("advance %dd", last.DaysUntil(d)))
				case 2:
					out, code := w.cli("rehearsal", "date", day)
					if code != 0 {
						t.Fatalf("rehearsal date %s exited %d:\n%s", day, code, out)
					}
					got = out
				case 3:
					out, code := w.cli("rehearsal", "advance", fmt.Sprintf("%dd", last.DaysUntil(d)))
					if code != 0 {
						t.Fatalf("rehearsal advance exited %d:\n%s", code, out)
					}
					got = out
				}
				mustContain(t, "moving to "+day, got, want)
				moves++
				last = d
			}
			c, err := s.RehearsalClock(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			virtual.SetShift(c.Shift)
			// As a trainer would, let what the move queued arrive before
			// anyone acts: a leaver's reminders still waiting are cancelled.
			w.drained(s)
			if ev, ok := events[day]; ok {
				ev()
			}
		}

		// Everything the simulated year delivered arrives, the same, each
		// marked with its own day.
		want := deliveries(t, simEmu)
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		var got map[string]delivery
		for {
			got = deliveries(t, emu)
			if len(got) >= len(want) || ctx.Err() != nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("%d clock moves; %d notifications delivered", moves, len(got))
		for key, wd := range want {
			gd, ok := got[key]
			switch {
			case !ok:
				t.Errorf("%s was not delivered in the rehearsal", key)
			case gd.to != wd.to || gd.text != wd.text || gd.blocks != wd.blocks:
				t.Errorf("%s differs:\nrehearsal: %+v\nsimulated: %+v", key, gd, wd)
			case gd.banner == "":
				t.Errorf("%s has no rehearsal banner", key)
			default:
				parts := strings.Split(key, ":") // nudge:USER:DAY, digest:DAY
				day, _ := review.ParseDate(parts[len(parts)-1])
				if d, err := time.Parse("2 January 2006", gd.banner); err != nil || review.DateOf(d) != day {
					t.Errorf("%s is marked %q", key, gd.banner)
				}
			}
		}
		if len(got) != len(want) {
			t.Errorf("the rehearsal delivered %d notifications, the simulated year %d", len(got), len(want))
		}

		// The digests' files are the same too.
		simFiles := map[string]string{}
		for _, f := range simEmu.Files() {
			simFiles[f.Name] = string(f.Data)
		}
		files := emu.Files()
		if len(files) != len(simFiles) {
			t.Errorf("the rehearsal shared %d files, the simulated year %d", len(files), len(simFiles))
		}
		for _, f := range files {
			if simFiles[f.Name] != string(f.Data) {
				t.Errorf("file %s differs", f.Name)
			}
		}
		if a, b := yearState(t, s), yearState(t, simStore); a != b {
			t.Errorf("the rehearsal ends in another state than the simulated year:\n%s\n---\n%s", a, b)
		}
	})
}

// TestLiveDeploymentRefusesRehearsal: without REHEARSAL=true nobody can
// move the clock, from Slack or the command line, and nothing says
// "rehearsal". A rehearsal refuses a live program's database, and a live
// deployment a rehearsal's.
func TestLiveDeploymentRefusesRehearsal(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := startCast(t, url, "2026-11-24")
		for _, cmd := range []string{"rehearsal", "rehearsal date 2027-06-10", "rehearsal advance 7d", "rehearsal reset", "rehearsal status"} {
			mustContain(t, "/perform "+cmd, w.reply(hana, cmd), "This is the live program: its clock is the real one and nobody can move it.")
		}
		n := w.dmCount(hana)
		if _, err := w.emu.SendInteractive(w.ctx(), map[string]any{
			"type": "block_actions", "user": map[string]any{"id": hana}, "team": map[string]any{"id": "T0EMU"}, "trigger_id": "1.2.forged",
			"container": map[string]any{"type": "view", "view_id": "VHOME"},
			"actions":   []any{map[string]any{"action_id": "rehearsal_reset", "block_id": "b", "type": "button", "value": "reset"}},
		}); err != nil {
			t.Fatal(err)
		}
		mustContain(t, "a forged reset", messageText(w.dm(hana, n+1)), "This is the live program")
		mustNotContain(t, "HR's help", w.reply(hana, "help"), "rehearsal")
		mustNotContain(t, "Eli's Home", w.home(eli), "Rehearsal")
		for _, args := range [][]string{{"rehearsal", "date", "2027-06-10"}, {"rehearsal", "advance", "7d"}, {"rehearsal", "reset", "--yes"}, {"rehearsal", "status"}} {
			out, code := w.cli(args...)
			if code != app.ExitUsage || !strings.Contains(out, "this is not a rehearsal deployment") {
				t.Errorf("massperform %s: exit %d\n%s", strings.Join(args, " "), code, out)
			}
		}
		for _, sh := range w.emu.Shown() {
			if strings.Contains(sh.Content, "Rehearsal —") {
				t.Errorf("a live deployment showed %s a rehearsal banner", sh.To)
			}
		}

		// A rehearsal on this live database is refused, and changes nothing.
		w.extra["REHEARSAL"] = "true"
		if out, code := w.cli("rehearsal", "status"); code != app.ExitFailed || !strings.Contains(out, "already holds a live program") {
			t.Errorf("a rehearsal on the live database: exit %d\n%s", code, out)
		}
		delete(w.extra, "REHEARSAL")
		mustContain(t, "still live", w.reply(hana, "rehearsal"), "This is the live program")

		// A live deployment on a rehearsal's database is refused.
		r := newWorld(t, anotherDatabase(t, url), "2026-11-24")
		r.extra["REHEARSAL"] = "true"
		if out, code := r.cli("rehearsal", "status"); code != app.ExitOK || !strings.Contains(out, "The rehearsal is on 24 November 2026") {
			t.Fatalf("a new rehearsal: exit %d\n%s", code, out)
		}
		delete(r.extra, "REHEARSAL")
		if out, code := r.importRoster(castRoster); code != app.ExitFailed || !strings.Contains(out, "belongs to a rehearsal") {
			t.Errorf("a live roster import into a rehearsal: exit %d\n%s", code, out)
		}
	})
}

// TestRehearsalSeedToWrapUp is the trainer's afternoon: seed a rehearsal
// with real workspace users, move the clock to June 1, and a manager
// writes a wrap-up in Slack, with every surface saying it is a rehearsal.
func TestRehearsalSeedToWrapUp(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		emu := slackemu.New(slackemu.Config{})
		t.Cleanup(emu.Close)
		for _, u := range cast {
			emu.AddUser(u)
		}
		emu.PutChannel(slackemu.Channel{ID: "C0HRDIGEST", Name: "hr-digest", Private: true, Members: []string{hana, "U0BOT"}})
		w := rehearsalWorld(t, emu, url, map[string]string{"HR_CHANNEL": "C0HRDIGEST"})
		if out, code := w.cli("rehearsal", "seed", "--employees", "U0ZOE,eli@example.org,U0PAT,U0OMAR,nobody@example.org", "--managers", "dana@example.org,U0MONA"); code != app.ExitUsage || !strings.Contains(out, "nobody@example.org is not a user of this workspace") {
			t.Fatalf("a seed naming a stranger: exit %d\n%s", code, out)
		}
		out, code := w.cli("rehearsal", "seed", "--hr", "hana@example.org", "--managers", "dana@example.org,U0MONA", "--employees", "U0ZOE,eli@example.org,U0PAT")
		if code != app.ExitOK {
			t.Fatalf("seed exited %d:\n%s", code, out)
		}
		mustContain(t, "the seed", out, "Seeded a demo organisation of 6 people for FY2027", "Eli Ortiz", "Demo/Team 1 (employee)", "Dana Cho", "(leads the organisation)",
			"Hana Park", "Demo/HR (employee, HR)", "The rehearsal is on 1 October 2026.")
		w.start()

		// October: the seeded season is there, under the banner.
		mustContain(t, "Eli's Home in October", w.home(eli), "Rehearsal — the date here is 1 October 2026", "Bring one improvement to how the unit works this year", "Pilot online appointment booking")
		team := w.reply(dana, "team")
		mustContain(t, "Dana's team in October", team, "Rehearsal — the date here is 1 October 2026", "Zoe Adams", "Pat Kim")

		// Only HR moves the clock, and only forward over history.
		mustContain(t, "Eli moving the clock", w.reply(eli, "rehearsal date 2027-06-01"), "Only central HR (HRD) can move the rehearsal's clock")
		mustContain(t, "back over the seed", w.rehearse(hana, "date 2026-08-01"), "history up to", "can't go back before it")
		mustContain(t, "a typo", w.reply(hana, "rehearsal advance 7 days"), "like `7d`")
		started := time.Now()
		mustContain(t, "to June", w.rehearse(hana, "date 2027-06-01"), "The rehearsal is now on 1 June 2027.", "reminder sweeps queued", "HR's digest went out")
		t.Logf("moving from October 1 to June 1 took %v", time.Since(started).Round(time.Second))
		mustContain(t, "status", w.reply(eli, "rehearsal"), "The rehearsal is on 1 June 2027")

		// The same afternoon: Eli sends his reflection, Mona writes his wrap-up.
		w.command(eli, "wrapup")
		form := w.waitTopView(eli, "reflection")
		mustContain(t, "the reflection form", rawText(form.Raw), "Rehearsal — the date here is 1 June 2027")
		if errs := ackErrors(w.submit(eli, form, values{}.text("accomplishments", "Cleared the permit backlog").tick("send"))); errs != nil {
			t.Fatal(errs)
		}
		mustContain(t, "Mona's DM", messageText(w.dmWith(mona, "sent you their FY2027 wrap-up reflection")), "Rehearsal — the date here is 1 June 2027")
		w.rateViaSlack(mona, eli, "eli", "successful")
		mustContain(t, "Eli's DM", messageText(w.dmWith(eli, "Mona Lee has written your FY2027 wrap-up")), "Rehearsal — the date here is 1 June 2027")
		s := openStore(t, w)
		p, _ := s.PersonBySlackID(context.Background(), eli)
		y, err := s.Year(context.Background(), p.ID, 2027)
		if err != nil || y.WrapUp == nil || y.WrapUp.Rating != "successful" {
			t.Fatalf("Eli's wrap-up: %+v, %v", y.WrapUp, err)
		}

		// HR's export runs on the rehearsal's year too.
		files := len(w.emu.Files())
		w.command(hana, "export")
		if got := w.waitFiles(files + 1); !strings.Contains(string(got[len(got)-1].Data), "Eli Ortiz") {
			t.Errorf("the export: %s", got[len(got)-1].Data)
		}

		// Every message, form, Home tab and file comment said it was a rehearsal.
		for _, sh := range w.emu.Shown() {
			if sh.Via != "file" && !strings.Contains(sh.Content, "Rehearsal — the date here is") {
				t.Errorf("shown to %s via %s without the banner: %.200s", sh.To, sh.Via, sh.Content)
			}
		}

		// The reset, confirmed with a button, empties the rehearsal; a
		// forged click from anyone but HR changes nothing.
		w.command(hana, "rehearsal reset")
		msgs := w.emu.MessagesTo(hana)
		offer := msgs[len(msgs)-1]
		mustContain(t, "the reset offer", messageText(offer), "erases everything recorded in this rehearsal")
		if _, err := w.emu.SendInteractive(w.ctx(), map[string]any{
			"type": "block_actions", "user": map[string]any{"id": eli}, "team": map[string]any{"id": "T0EMU"}, "trigger_id": "1.2.forged",
			"container": map[string]any{"type": "view", "view_id": "VHOME"},
			"actions":   []any{map[string]any{"action_id": "rehearsal_reset", "block_id": "b", "type": "button", "value": "reset"}},
		}); err != nil {
			t.Fatal(err)
		}
		w.dmWith(eli, "Only central HR (HRD) can reset the rehearsal") // among the reminders still arriving
		if people, _ := s.People(context.Background()); len(people) != 6 {
			t.Fatalf("a forged reset left %d people", len(people))
		}
		if _, err := w.emu.ClickMessageButton(w.ctx(), hana, offer.Channel, offer.TS, "rehearsal_reset", "reset"); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, func() bool {
			for _, m := range w.emu.MessagesTo(hana) {
				if strings.Contains(messageText(m), "The rehearsal is empty again") {
					return true
				}
			}
			return false
		})
		if people, _ := s.People(context.Background()); len(people) != 0 {
			t.Fatalf("after the reset %d people are left", len(people))
		}
		mustContain(t, "after the reset", w.reply(hana, "rehearsal"), "The rehearsal is on 24 November 2026")
	})
}

// waitUntil polls ok for up to 10 seconds.
func waitUntil(t *testing.T, ok func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("gave up waiting")
		}
	}
}
