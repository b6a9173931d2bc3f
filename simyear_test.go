package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

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

// TestSimulatedYear walks FY2027 day by day, sweeping for reminders at
// 9:00 and 12:00 Boston time (so that every US morning is covered, on
// both sides of the DST changes) and building HR's digest on Mondays,
// while the people do (and fail to do) their parts. Every reminder and
// every digest's overdue list is compared with testdata/simulated_year.golden.
func TestSimulatedYear(t *testing.T) {
	if testing.Short() {
		t.Skip("walks a whole year")
	}
	storagetest.Each(t, func(t *testing.T, url string) {
		ny, _ := time.LoadLocation("America/New_York")
		clock := &testClock{}
		at := func(day string, hour int) time.Time {
			d, _ := review.ParseDate(day)
			return d.In(ny).Add(time.Duration(hour) * time.Hour)
		}
		clock.t = at("2026-07-01", 7)
		s := storagetest.Open(t, url, clock)
		ctx := context.Background()
		cal := review.Calendar{Loc: ny}
		var log strings.Builder

		roster := func(day string, names ...string) {
			var entries []review.RosterEntry
			for _, n := range names {
				entries = append(entries, simPeople[n])
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
			p, err := s.PersonBySlackID(ctx, simPeople[n].SlackID)
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
		events := map[string]func(){
			"2026-07-01": func() { roster("2026-07-01", "dana", "mona", "eli", "zoe", "pat", "hana") },
			"2026-07-08": func() { expect("mona", "eli"); expect("mona", "zoe"); expect("dana", "mona"); expect("dana", "hana") },
			"2026-07-15": func() { goal("eli"); goal("mona") },
			"2026-08-05": func() { eliQ1 = checkIn("mona", "eli", "2026-08-05") },
			"2026-08-07": func() { confirm("eli", eliQ1, true) },
			"2026-08-20": func() { goal("zoe") },
			"2026-10-12": func() { // Zoe, reminded weekly to confirm, asks for a week of quiet
				if err := s.Snooze(ctx, person("zoe").ID, review.NewDate(2026, 10, 19)); err != nil {
					t.Fatal(err)
				}
			},
			"2026-09-22": func() { checkIn("mona", "zoe", "2026-09-22"); checkIn("dana", "mona", "2026-09-22") },
			"2026-11-10": func() { confirm("eli", checkIn("mona", "eli", "2026-11-10"), false) },
			"2027-01-11": func() { roster("2027-01-11", "dana", "mona", "eli", "zoe", "pat", "hana", "ivy") },
			"2027-01-20": func() { checkIn("mona", "eli", "2027-01-20") },
			"2027-02-01": func() {
				zoe := simPeople["zoe"]
				zoe.ManagerEmail = "pat@x.org"
				simPeople["zoe"] = zoe
				roster("2027-02-01", "dana", "mona", "eli", "zoe", "pat", "hana", "ivy")
			},
			"2027-04-01": func() { roster("2027-04-01", "dana", "mona", "eli", "zoe", "pat", "ivy") },
			"2027-04-15": func() { checkIn("mona", "eli", "2027-04-15") },
		}
		t.Cleanup(func() {
			zoe := simPeople["zoe"]
			zoe.ManagerEmail = "mona@x.org"
			simPeople["zoe"] = zoe
		})

		// The reminders are delivered, too, to an emulated workspace: what
		// people receive is checked against what was planned.
		emu := slackemu.New(slackemu.Config{DisableRateLimits: true})
		t.Cleanup(emu.Close)
		for _, p := range simPeople {
			emu.AddUser(slackemu.User{ID: p.SlackID, Name: p.Name, Email: p.Email, TZ: p.TZ})
		}
		sender := scheduler.NewSender(s, slack.New(emu.BotToken(), slack.OptionAPIURL(emu.APIURL())), clock, slog.New(slog.NewTextHandler(io.Discard, nil)))
		planned := map[string]int{} // "user day" → nudges planned
		nudger := &scheduler.Nudger{Store: s, Cal: cal, Message: handlers.NudgeMessage}
		digester := &scheduler.Digester{Store: s, Cal: cal}
		for day := review.NewDate(2026, 7, 1); !day.After(review.NewDate(2027, 6, 30)); day = day.AddDays(1) {
			clock.t = at(day.String(), 7)
			if ev, ok := events[day.String()]; ok {
				ev()
			}
			if day.Weekday() == time.Monday {
				clock.t = at(day.String(), 8)
				d, err := digester.Build(ctx, clock.t)
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&log, "%s DIGEST people=%d overdue=%d no=%d\n", day, d.Org.People, d.OverdueCount(), len(d.No))
				for _, m := range d.Overdue {
					for _, o := range m.Items {
						fmt.Fprintf(&log, "    %s · %s: %s\n", m.Manager.Name, o.Person.Name, o.Item.Kind)
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
					fmt.Fprintf(&log, "%s %02d:00 ET → %s (their %s)\n", day, hour, n.Recipient.Name, n.Day)
					for _, l := range handlers.NudgeSummary(n) {
						fmt.Fprintf(&log, "    %s\n", l)
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
				_, rest, _ := strings.Cut(meta.EventPayload.Key, "nudge:")
				received[strings.Replace(rest, ":", " ", 1)]++
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

		path := filepath.Join("testdata", "simulated_year.golden")
		if *updateGolden && strings.HasSuffix(t.Name(), storage.SQLite) {
			if err := os.WriteFile(path, []byte(log.String()), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -run TestSimulatedYear -update . to create it)", err)
		}
		if got := log.String(); got != string(want) {
			gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
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
