package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/handlers"
	"github.com/massperform/massperform/internal/slackemu"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/scheduler"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/*.golden")

// simPeople is the simulated organisation: time zones on three coasts, a
// hire in January, a move in February, a leaver in April.
var simPeople = map[string]review.RosterEntry{
	"dana": {Email: "dana@x.org", Name: "Dana Cho", Unit: "EOHHS", SlackID: "USDANA", TZ: "America/New_York"},
	"mona": {Email: "mona@x.org", Name: "Mona Lee", ManagerEmail: "dana@x.org", Unit: "EOHHS/Health", SlackID: "USMONA", TZ: "America/Chicago"},
	"eli":  {Email: "eli@x.org", Name: "Eli Ortiz", ManagerEmail: "mona@x.org", Unit: "EOHHS/Health", SlackID: "USELI", TZ: "America/Los_Angeles"},
	"zoe":  {Email: "zoe@x.org", Name: "Zoe Adams", ManagerEmail: "mona@x.org", Unit: "EOHHS/Health", SlackID: "USZOE", TZ: "America/New_York"},
	"pat":  {Email: "pat@x.org", Name: "Pat Kim", ManagerEmail: "dana@x.org", Unit: "EOHHS/Revenue", SlackID: "USPAT", TZ: "America/New_York"},
	"hana": {Email: "hana@x.org", Name: "Hana Park", ManagerEmail: "dana@x.org", Unit: "EOHHS/HR", SlackID: "USHANA", TZ: "America/New_York"},
	"ivy":  {Email: "ivy@x.org", Name: "Ivy Chen", ManagerEmail: "mona@x.org", Unit: "EOHHS/Health", SlackID: "USIVY", TZ: "America/Los_Angeles"},
}

// simHRChannel is where the simulated year's digests go.
const simHRChannel = "CSIMHR"

// simEmulator is a workspace holding the simulated organisation and HR's
// channel.
func simEmulator(t *testing.T, cfg slackemu.Config) *slackemu.Server {
	emu := slackemu.New(cfg)
	t.Cleanup(emu.Close)
	for _, p := range simPeople {
		emu.AddUser(slackemu.User{ID: p.SlackID, Name: strings.Fields(p.Name)[0], RealName: p.Name, Email: p.Email, TZ: p.TZ})
	}
	emu.PutChannel(slackemu.Channel{ID: simHRChannel, Name: "hr-digest", Private: true}) // everyone in it, the app too
	return emu
}

// simEvents is what the simulated organisation's people do in FY2027, by
// day (at 7:00 in Boston, before the day's digest and sweeps), recorded in s.
func simEvents(t *testing.T, s *storage.Store) map[string]func() {
	ctx := context.Background()
	people := maps.Clone(simPeople)
	roster := func(day string, names ...string) {
		var entries []review.RosterEntry
		for _, n := range names {
			entries = append(entries, people[n])
		}
		current, err := s.People(ctx)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := review.ParseDate(day)
		if err := s.ApplyRoster(ctx, "sim", d, review.PlanRoster(current, entries, true)); err != nil {
			t.Fatal(err)
		}
	}
	person := func(n string) review.Person {
		p, err := s.PersonBySlackID(ctx, people[n].SlackID)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	as := func(n string) review.Actor { p := person(n); return review.Actor{SlackID: p.SlackID, Person: &p} }
	expect := func(mgr, emp string) {
		if _, err := s.SaveExpectations(ctx, storage.Change{Actor: as(mgr), Action: review.SetExpectations}, person(emp), 2027,
			review.ExpectationChanges{Create: []review.Expectation{{Position: 1, Text: "Lead the " + emp + " project"}}}); err != nil {
			t.Fatal(err)
		}
	}
	goal := func(emp string) {
		y, _ := s.Year(ctx, person(emp).ID, 2027)
		if _, err := s.SaveGoals(ctx, storage.Change{Actor: as(emp), Action: review.EditGoals}, person(emp), 2027, y.Expectations[0].ID,
			review.GoalChanges{Create: []review.Goal{{Text: "Ship it", Measure: "live", Target: review.NewDate(2027, 3, 1)}}}); err != nil {
			t.Fatal(err)
		}
	}
	checkIn := func(mgr, emp, day string) int64 {
		y, _ := s.Year(ctx, person(emp).ID, 2027)
		d, _ := review.ParseDate(day)
		_, id, err := s.SaveCheckIn(ctx, storage.Change{Actor: as(mgr), Action: review.LogCheckIn}, person(emp), 2027,
			review.CheckIn{HeldOn: d, Expectations: true, Feedback: true, First: len(y.CheckIns) == 0}, &review.Quarterly)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	confirm := func(emp string, id int64, first bool) {
		conf := review.Confirmation{CheckInID: id, FeedbackForManager: "ok"}
		if first {
			conf.Answers = []review.Answer{{Stage: review.StageFirstCheckIn, Question: "met", Yes: true},
				{Stage: review.StageFirstCheckIn, Question: "cadence", Yes: false}, {Stage: review.StageFirstCheckIn, Question: "expectations", Yes: true}}
		}
		if _, err := s.SaveConfirmation(ctx, storage.Change{Actor: as(emp), Action: review.ConfirmCheckIn}, person(emp), 2027, conf); err != nil {
			t.Fatal(err)
		}
	}
	var eliQ1 int64
	return map[string]func(){
		"2026-07-01": func() { roster("2026-07-01", "dana", "mona", "eli", "zoe", "pat", "hana") },
		"2026-07-08": func() { expect("mona", "eli"); expect("mona", "zoe"); expect("dana", "mona"); expect("dana", "hana") },
		"2026-07-15": func() { goal("eli"); goal("mona") },
		"2026-08-05": func() { eliQ1 = checkIn("mona", "eli", "2026-08-05") },
		"2026-08-07": func() { confirm("eli", eliQ1, true) },
		"2026-08-20": func() { goal("zoe") },
		"2026-09-22": func() { checkIn("mona", "zoe", "2026-09-22"); checkIn("dana", "mona", "2026-09-22") },
		"2026-10-12": func() { // Zoe, reminded weekly to confirm, asks for a week of quiet
			if err := s.Snooze(ctx, person("zoe").ID, review.NewDate(2026, 10, 19)); err != nil {
				t.Fatal(err)
			}
		},
		"2026-11-10": func() { confirm("eli", checkIn("mona", "eli", "2026-11-10"), false) },
		"2027-01-11": func() { roster("2027-01-11", "dana", "mona", "eli", "zoe", "pat", "hana", "ivy") },
		"2027-01-20": func() { checkIn("mona", "eli", "2027-01-20") },
		"2027-02-01": func() {
			zoe := people["zoe"]
			zoe.ManagerEmail = "pat@x.org"
			people["zoe"] = zoe
			roster("2027-02-01", "dana", "mona", "eli", "zoe", "pat", "hana", "ivy")
		},
		"2027-04-01": func() { roster("2027-04-01", "dana", "mona", "eli", "zoe", "pat", "ivy") },
		"2027-04-15": func() { checkIn("mona", "eli", "2027-04-15") },
	}
}

// simulatedYear walks FY2027 day by day, sweeping for reminders at 9:00
// and 12:00 Boston time (so that every US morning is covered, on both
// sides of the DST changes) and building HR's digest on Mondays at 8:00,
// while the people do (and fail to do) their parts. Reminders and digests
// are delivered to an emulated workspace, which it returns with the
// database and a log of every reminder and every digest's overdue list.
func simulatedYear(t *testing.T, url string) (log string, emu *slackemu.Server, s *storage.Store) {
	ny, _ := time.LoadLocation("America/New_York")
	clock := &testClock{}
	at := func(day string, hour int) time.Time {
		d, _ := review.ParseDate(day)
		return d.In(ny).Add(time.Duration(hour) * time.Hour)
	}
	clock.t = at("2026-07-01", 7)
	s = storagetest.Open(t, url, clock)
	ctx := context.Background()
	cal := review.Calendar{Loc: ny}
	var out strings.Builder
	events := simEvents(t, s)

	emu = simEmulator(t, slackemu.Config{DisableRateLimits: true})
	client := simClient{slack.New(emu.BotToken(), slack.OptionAPIURL(emu.APIURL()))}
	sender := scheduler.NewSender(s, client, clock, slog.New(slog.NewTextHandler(io.Discard, nil)))
	planned := map[string]int{} // "user day" → nudges planned
	nudger := &scheduler.Nudger{Store: s, Cal: cal, Message: handlers.NudgeMessage}
	digester := &scheduler.Digester{Store: s, Cal: cal, Channel: simHRChannel, Message: handlers.DigestMessage,
		CSV: func(d review.Digest) []byte { return handlers.DigestCSV(d, true) }}
	for day := review.NewDate(2026, 7, 1); !day.After(review.NewDate(2027, 6, 30)); day = day.AddDays(1) {
		clock.t = at(day.String(), 7)
		if ev, ok := events[day.String()]; ok {
			ev()
		}
		if day.Weekday() == time.Monday {
			clock.t = at(day.String(), 8)
			d, err := digester.Run(ctx, clock.t, false)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := sender.Deliver(ctx); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&out, "%s DIGEST people=%d overdue=%d no=%d\n", day, d.Org.People, d.OverdueCount(), len(d.No))
			for _, m := range d.Overdue {
				for _, o := range m.Items {
					fmt.Fprintf(&out, "    %s · %s: %s\n", m.Manager.Name, o.Person.Name, o.Item.Kind)
				}
			}
		}
		for _, hour := range []int{9, 12} {
			clock.t = at(day.String(), hour)
			r, err := nudger.Sweep(ctx, clock.t, false)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := sender.Deliver(ctx); err != nil {
				t.Fatal(err)
			}
			for _, n := range r.Nudges {
				planned[n.Recipient.SlackID+" "+n.Day.String()]++
				fmt.Fprintf(&out, "%s %02d:00 ET → %s (their %s)\n", day, hour, n.Recipient.Name, n.Day)
				for _, l := range handlers.NudgeSummary(n) {
					fmt.Fprintf(&out, "    %s\n", l)
				}
			}
		}
	}
	// Everyone received exactly the reminders planned for them: one a
	// day at most, nothing lost, nothing twice.
	received := map[string]int{}
	for _, m := range emu.Messages() {
		if m.Via == "chat.postMessage" {
			var meta struct {
				EventPayload struct{ Key string } `json:"event_payload"`
			}
			_ = json.Unmarshal(m.Metadata, &meta)
			if _, rest, ok := strings.Cut(meta.EventPayload.Key, "nudge:"); ok {
				received[strings.Replace(rest, ":", " ", 1)]++
			}
		}
	}
	for k, n := range planned {
		if n != 1 || received[k] != 1 {
			t.Errorf("%s: planned %d, received %d", k, n, received[k])
		}
	}
	if len(planned) < 200 || len(received) != len(planned) {
		t.Errorf("received reminders on %d person-days, planned %d", len(received), len(planned))
	}
	if v := emu.Violations(); len(v) > 0 {
		t.Errorf("Slack's rules broken: %v", v)
	}
	return out.String(), emu, s
}

// simClient is the Slack client of the simulated year: slack-go's, with
// no rate limits of our own (the emulator enforces none either), and files
// shared in channels.
type simClient struct{ *slack.Client }

// ShareFile shares f, its send starting (start) before the upload: the
// simulation has no crash to tell the steps apart.
func (c simClient) ShareFile(ctx context.Context, channel string, f bot.File, start func() error) error {
	if err := start(); err != nil {
		return err
	}
	_, err := c.UploadFileContext(ctx, slack.UploadFileParameters{Filename: f.Name, Title: f.Title, InitialComment: f.Comment,
		Channel: channel, Reader: bytes.NewReader(f.Data), FileSize: len(f.Data)})
	return err
}

// TestSimulatedYear compares the simulated year's reminders and digests
// with testdata/simulated_year.golden.
func TestSimulatedYear(t *testing.T) {
	if testing.Short() {
		t.Skip("walks a whole year")
	}
	storagetest.Each(t, func(t *testing.T, url string) {
		log, emu, _ := simulatedYear(t, url)
		digests, files, lines := 0, 0, 0
		for _, m := range emu.MessagesTo(simHRChannel) {
			switch m.Via {
			case "chat.postMessage":
				digests++
				if charts := chartsIn(t, m); len(charts) == 2 {
					lines++
				} else if len(charts) != 1 {
					t.Errorf("%q has %d charts", m.Text, len(charts))
				}
			case "files.completeUploadExternal":
				files++
			}
		}
		if digests != 52 || files != 52 {
			t.Errorf("HR's channel got %d digests and %d files, want one of each every Monday: 52", digests, files)
		}
		// Every digest draws completion by unit; all but each quarter's
		// first also draw the overdue line.
		if lines != 48 {
			t.Errorf("%d digests drew the overdue line, want 48", lines)
		}
		path := filepath.Join("testdata", "simulated_year.golden")
		if *updateGolden && strings.HasSuffix(t.Name(), storage.SQLite) {
			if err := os.WriteFile(path, []byte(log), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -run TestSimulatedYear -update . to create it)", err)
		}
		if log != string(want) {
			gl, wl := strings.Split(log, "\n"), strings.Split(string(want), "\n")
			for i := 0; i < max(len(gl), len(wl)); i++ {
				var g, w string
				if i < len(gl) {
					g = gl[i]
				}
				if i < len(wl) {
					w = wl[i]
				}
				if g != w {
					t.Fatalf("the year differs from %s at line %d:\n got: %s\nwant: %s", path, i+1, g, w)
				}
			}
		}
	})
}
