package storage_test

import (
	"context"
	"encoding/json"

	"io"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/handlers"
	"github.com/massperform/massperform/internal/slackemu"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage/storagetest"
)

// roundTripBounds is, per envelope, the most round trips to the database
// (statements, BEGIN and COMMIT) its handling may take, on either
// database. Lower a bound when a change saves round trips; a change that
// adds some must say why here.
//
// Leave (migration 0010) added one round trip to every read of a year:
// the person's leaves, without which Due would remind someone on leave.
// The saves that read the year twice (before the change and after it)
// pay it twice.
var roundTripBounds = []struct {
	step  string
	bound int
}{
	{"open expectations (command)", 4},
	{"save expectations", 19},
	{"open goals (command)", 10},
	{"open goal editor (button)", 9},
	{"save goals", 26},
	{"open check-in (command)", 9},
	{"save check-in", 29},
	{"open confirm (button)", 14},
	{"save confirm", 25},
	{"open cadence (command)", 12},
	{"save cadence", 20},
	{"open development (command)", 13},
	{"save development", 20},
	{"snooze (button)", 4},
	{"open reflection (command)", 13},
	{"save reflection", 31},
	{"open wrap-up (command)", 14},
	{"save wrap-up", 26},
}

// TestRoundTripsPerEnvelope takes a manager and a report through every
// form, through the real bot and handlers against the Slack emulator, and
// counts the database round trips each envelope costs, from the moment it
// is sent until its answer is seen (the form open, the submission acked,
// the reply posted). Nothing else uses the database meanwhile: no outbox
// sender, no scheduler.
func TestRoundTripsPerEnvelope(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		clock := newClock("2026-08-12T14:00:00Z")
		s := storagetest.Open(t, url, clock)
		importRoster(t, s, "2026-07-01", []review.RosterEntry{
			entry("mona@x.org", "Mona Diaz", "", "UMONA"),
			entry("eli@x.org", "Eli Ortiz", "mona@x.org", "UELI"),
		}, false)
		trips := s.CountRoundTrips()

		emu := slackemu.New(slackemu.Config{})
		t.Cleanup(emu.Close)
		emu.AddUser(slackemu.User{ID: "UMONA", Name: "mona", Email: "mona@x.org"})
		emu.AddUser(slackemu.User{ID: "UELI", Name: "eli", Email: "eli@x.org"})
		client := slack.New(emu.BotToken(), slack.OptionAppLevelToken(emu.AppToken()), slack.OptionAPIURL(emu.APIURL()))
		api := bot.NewAPI(client)
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		boston, _ := time.LoadLocation("America/New_York")
		r := bot.NewRouter("/perform")
		handlers.Register(r, handlers.Deps{Store: s, Slack: api, Clock: clock, Cal: review.Calendar{Loc: boston}, Log: log})
		b := bot.New(api, r, log)
		runCtx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- b.Run(runCtx) }()
		t.Cleanup(func() { cancel(); <-done })
		select {
		case <-b.Ready():
		case <-time.After(10 * time.Second):
			t.Fatal("bot never connected")
		}

		tc := func() context.Context {
			c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			t.Cleanup(cancel)
			return c
		}
		got := map[string]int64{}
		// measure counts the round trips of do, which sends one envelope
		// and waits for its answer; then a moment more, for any the
		// handler makes after answering.
		measure := func(step string, do func()) {
			t.Helper()
			before := trips.Load()
			do()
			time.Sleep(50 * time.Millisecond)
			got[step] = trips.Load() - before
		}
		var lastView string
		waitView := func(user, callback string) *slackemu.View {
			t.Helper()
			ctx := tc()
			for {
				if v := emu.TopView(user); v != nil && v.CallbackID == callback && v.ID != lastView {
					lastView = v.ID
					return v
				}
				select {
				case <-ctx.Done():
					t.Fatalf("%s never saw a new %q modal (top: %+v)", user, callback, emu.TopView(user))
				case <-time.After(2 * time.Millisecond):
				}
			}
		}
		command := func(user, text string) {
			t.Helper()
			if _, err := emu.SlashCommand(tc(), user, "/perform", text); err != nil {
				t.Fatal(err)
			}
		}
		submit := func(user string, v *slackemu.View, set values) {
			t.Helper()
			ack, err := emu.Submit(tc(), user, v.ID, set)
			if err != nil {
				t.Fatal(err)
			}
			if len(ack.Payload) > 0 {
				var resp struct {
					Errors map[string]string `json:"errors"`
				}
				if json.Unmarshal(ack.Payload, &resp) == nil && len(resp.Errors) > 0 {
					t.Fatalf("submitting %s: %v", v.CallbackID, resp.Errors)
				}
			}
		}
		// post puts a message with buttons in user's DM, as the outbox
		// would, so that they can be clicked.
		post := func(user string, buttons ...*slack.ButtonBlockElement) string {
			t.Helper()
			var els []slack.BlockElement
			for _, b := range buttons {
				els = append(els, b)
			}
			_, ts, err := client.PostMessageContext(tc(), user, slack.MsgOptionText("buttons", false), slack.MsgOptionBlocks(slack.NewActionBlock("", els...)))
			if err != nil {
				t.Fatal(err)
			}
			return ts
		}
		button := func(action, value string) *slack.ButtonBlockElement {
			return slack.NewButtonBlockElement(action, value, slack.NewTextBlockObject(slack.PlainTextType, action, false, false))
		}

		var v *slackemu.View
		measure("open expectations (command)", func() {
			command("UMONA", "expectations <@UELI|eli>")
			v = waitView("UMONA", "expectations")
		})
		measure("save expectations", func() { submit("UMONA", v, values{}.text("new:0", "Cut the permit backlog")) })

		measure("open goals (command)", func() {
			command("UELI", "goals")
			v = waitView("UELI", "goals")
		})
		eli, err := s.PersonBySlackID(ctx, "UELI")
		if err != nil {
			t.Fatal(err)
		}
		year, err := s.Year(ctx, eli.ID, 2027)
		if err != nil || len(year.Expectations) != 1 {
			t.Fatalf("Eli's year: %+v, %v", year, err)
		}
		measure("open goal editor (button)", func() {
			if _, err := emu.ClickViewButton(tc(), "UELI", v.ID, "goals_edit", strconv.FormatInt(year.Expectations[0].ID, 10)); err != nil {
				t.Fatal(err)
			}
			v = waitView("UELI", "goal_edit")
		})
		measure("save goals", func() {
			submit("UELI", v, values{}.text("goal:new", "Triage in 2 days").text("measure:new", "Median under 48h").date("target:new", "2026-12-01"))
		})

		measure("open check-in (command)", func() {
			command("UMONA", "checkin <@UELI|eli>")
			v = waitView("UMONA", "checkin")
		})
		measure("save check-in", func() {
			submit("UMONA", v, values{}.date("held_on", "2026-08-10").options("covered", "expectations", "feedback").text("feedback", "Good start").pick("cadence", "quarterly"))
		})

		year, err = s.Year(ctx, eli.ID, 2027)
		if err != nil || len(year.CheckIns) != 1 {
			t.Fatalf("Eli's year: %+v, %v", year, err)
		}
		ts := post("UELI", button("checkin_confirm", strconv.FormatInt(year.CheckIns[0].ID, 10)), button("nudge_snooze", "7"))
		measure("open confirm (button)", func() {
			if _, err := emu.ClickMessageButton(tc(), "UELI", "UELI", ts, "checkin_confirm", ""); err != nil {
				t.Fatal(err)
			}
			v = waitView("UELI", "confirm")
		})
		measure("save confirm", func() {
			submit("UELI", v, values{}.pick("answer:met", "yes").pick("answer:cadence", "yes").pick("answer:expectations", "yes").text("feedback", "Clear and useful"))
		})

		measure("open cadence (command)", func() {
			command("UMONA", "cadence <@UELI|eli>")
			v = waitView("UMONA", "cadence")
		})
		measure("save cadence", func() { submit("UMONA", v, values{}.pick("cadence", "monthly").text("reason", "Budget season")) })

		measure("open development (command)", func() {
			command("UELI", "development")
			v = waitView("UELI", "development")
		})
		measure("save development", func() {
			submit("UELI", v, values{}.text("long_term", "Lead a division").options("options", "share", "ask"))
		})

		measure("snooze (button)", func() {
			n := len(emu.MessagesTo("UELI"))
			if _, err := emu.ClickMessageButton(tc(), "UELI", "UELI", ts, "nudge_snooze", ""); err != nil {
				t.Fatal(err)
			}
			if _, err := emu.WaitMessages(tc(), "UELI", n+1); err != nil {
				t.Fatal(err)
			}
		})

		clock.Set(time.Date(2027, 5, 3, 14, 0, 0, 0, time.UTC))
		measure("open reflection (command)", func() {
			command("UELI", "wrapup")
			v = waitView("UELI", "reflection")
		})
		measure("save reflection", func() {
			submit("UELI", v, values{}.text("accomplishments", "Launched the clinic portal").options("send", "yes"))
		})

		clock.Set(time.Date(2027, 6, 2, 14, 0, 0, 0, time.UTC))
		measure("open wrap-up (command)", func() {
			command("UMONA", "wrapup <@UELI|eli>")
			v = waitView("UMONA", "wrapup")
		})
		measure("save wrap-up", func() {
			submit("UMONA", v, values{}.pick("answer:four_checkins", "yes").pick("answer:expectations", "yes").pick("answer:feedback", "yes").
				radio("rating", "rating_pick", "successful"))
		})

		y, err := s.Year(ctx, eli.ID, 2027)
		if err != nil || y.WrapUp == nil || !y.WrapUp.Rated() || !y.WrapUp.Reflected() || y.Plan == nil || !y.Cadence.Monthly || len(y.Goals) != 1 {
			t.Fatalf("Eli's year after every form: %+v, %v", y, err)
		}
		for _, b := range roundTripBounds {
			n, ok := got[b.step]
			switch {
			case !ok:
				t.Errorf("%s: not measured", b.step)
			case n > int64(b.bound):
				t.Errorf("%s: %d round trips, want at most %d", b.step, n, b.bound)
			default:
				t.Logf("%-28s %3d round trips (at most %d)", b.step, n, b.bound)
			}
		}
	})
}

// values are form inputs by block id and action id.
type values map[string]map[string]slack.BlockAction

func (v values) text(block, value string) values {
	v[block] = map[string]slack.BlockAction{"text": {ActionID: "text", BlockID: block, Type: "plain_text_input", Value: value}}
	return v
}

func (v values) date(block, day string) values {
	v[block] = map[string]slack.BlockAction{"date": {ActionID: "date", BlockID: block, Type: "datepicker", SelectedDate: day}}
	return v
}

func (v values) pick(block, value string) values {
	v[block] = map[string]slack.BlockAction{"pick": {ActionID: "pick", BlockID: block, Type: "static_select",
		SelectedOption: slack.OptionBlockObject{Value: value, Text: &slack.TextBlockObject{Type: "plain_text", Text: value}}}}
	return v
}

func (v values) radio(block, actionID, value string) values {
	v[block] = map[string]slack.BlockAction{actionID: {ActionID: actionID, BlockID: block, Type: "radio_buttons",
		SelectedOption: slack.OptionBlockObject{Value: value, Text: &slack.TextBlockObject{Type: "plain_text", Text: value}}}}
	return v
}

func (v values) options(block string, vals ...string) values {
	var opts []slack.OptionBlockObject
	for _, x := range vals {
		opts = append(opts, slack.OptionBlockObject{Value: x, Text: &slack.TextBlockObject{Type: "plain_text", Text: x}})
	}
	v[block] = map[string]slack.BlockAction{"check": {ActionID: "check", BlockID: block, Type: "checkboxes", SelectedOptions: opts}}
	return v
}
