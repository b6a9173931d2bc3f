package e2e

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/massperform/massperform/handlers"
	"github.com/massperform/massperform/internal/slackemu"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage/storagetest"
)

// ledger is what a test knows of every rating given: who gave it, the
// words that only it carries, and at which moments (indexes into the
// emulator's record of everything shown) it was the person's wrap-up and
// released to them. check then reads every version of every message, view
// and file the bot showed anyone, finds each rating it reveals, and asks
// whether its recipient was allowed to see it then.
type ledger struct {
	t         *testing.T
	w         *world
	versions  []*ratingVersion
	hr        map[string]bool   // HR people, by Slack id
	managerOf map[string]string // each rater's manager, by Slack id
	slackOf   map[int64]string  // person id → Slack id
	byName    map[string]string // name → Slack id
}

// ratingVersion is one manager's wrap-up of one person.
type ratingVersion struct {
	person, rater, rating string
	markers               []string // its comments and plan: words nothing else says
	from, to              int      // it was the person's wrap-up from shown index from, until to (-1: still)
	released              [][2]int // windows in which it was released to the person (end -1: still)
}

func newLedger(t *testing.T, w *world, hr []string, managerOf map[string]string) *ledger {
	l := &ledger{t: t, w: w, hr: map[string]bool{}, managerOf: managerOf, slackOf: map[int64]string{}, byName: map[string]string{}}
	for _, h := range hr {
		l.hr[h] = true
	}
	s := openStore(t, w)
	for _, u := range cast {
		if p, err := s.PersonBySlackID(context.Background(), u.ID); err == nil {
			l.slackOf[p.ID] = u.ID
			l.byName[p.Name] = u.ID
		}
	}
	return l
}

func (l *ledger) now() int { return len(l.w.emu.Shown()) }

// current is person's wrap-up at shown index i.
func (l *ledger) current(person string, i int) *ratingVersion {
	for _, v := range l.versions {
		if v.person == person && v.from <= i && (v.to < 0 || i < v.to) {
			return v
		}
	}
	return nil
}

// rated records that rater's wrap-up of person, just saved, is now theirs.
func (l *ledger) rated(person, rater, rating string, markers ...string) {
	at := l.now()
	if v := l.current(person, at); v != nil {
		v.to = at
	}
	l.versions = append(l.versions, &ratingVersion{person: person, rater: rater, rating: rating, markers: markers, from: at, to: -1})
}

// setAside records that person's wrap-up stops being theirs from now.
func (l *ledger) setAside(person string) {
	if v := l.current(person, l.now()); v != nil {
		v.to = l.now()
	}
}

// release records that person's wrap-up is theirs to see from now.
func (l *ledger) release(person string) {
	v := l.current(person, l.now())
	v.released = append(v.released, [2]int{l.now(), -1})
}

// withdraw records that person's wrap-up is no longer released from now.
func (l *ledger) withdraw(person string) {
	v := l.current(person, l.now())
	for i := range v.released {
		if v.released[i][1] < 0 {
			v.released[i][1] = l.now()
		}
	}
}

// allowed is the rule: the person once it is released to them; HR, the
// rater and the rater's manager; nobody else, and never a channel.
func (l *ledger) allowed(viewer string, v *ratingVersion, i int) bool {
	if viewer == v.person {
		for _, r := range v.released {
			if r[0] <= i && (r[1] < 0 || i < r[1]) {
				return true
			}
		}
		return false
	}
	return l.hr[viewer] || viewer == v.rater || viewer == l.managerOf[v.rater] && viewer != ""
}

var yourRating = regexp.MustCompile(`Your FY\d{4} rating: ([A-Za-z ]*[a-z])`)

// reveals returns the wrap-ups shown item i reveals: by their words, by a
// rating picked in a wrap-up form, by "Your … rating: …", and by the rating
// and earlier-wrap-up columns of an export.
func (l *ledger) reveals(i int, s slackemu.Shown) []*ratingVersion {
	found := map[*ratingVersion]bool{}
	add := func(v *ratingVersion) {
		if v != nil {
			found[v] = true
		}
	}
	for _, v := range l.versions {
		for _, m := range v.markers {
			if strings.Contains(s.Content, m) {
				add(v)
			}
		}
	}
	for _, m := range yourRating.FindAllStringSubmatch(s.Content, -1) {
		v := l.current(s.To, i)
		if v == nil || review.ProgramScale.NameOf(v.rating) != m[1] {
			l.t.Errorf("#%d to %s says their rating is %q, which is not theirs (%+v)", i, s.To, m[1], v)
		}
		add(v)
	}
	switch s.Via {
	case "modal", "home":
		var view struct {
			CallbackID      string `json:"callback_id"`
			PrivateMetadata string `json:"private_metadata"`
		}
		_ = json.Unmarshal([]byte(s.Content), &view)
		if view.CallbackID == "wrapup" && strings.Contains(s.Content, `"initial_option"`) && radioPicked(s.Content) {
			var m struct {
				P int64 `json:"p"`
			}
			_ = json.Unmarshal([]byte(view.PrivateMetadata), &m)
			add(l.current(l.slackOf[m.P], i))
		}
	case "file":
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(s.Content, handlers.ByteOrderMark))).ReadAll()
		if err != nil || len(rows) == 0 {
			break
		}
		col := map[string]int{}
		for j, h := range rows[0] {
			col[h] = j
		}
		for _, r := range rows[1:] {
			person := l.byName[r[col["name"]]]
			// The rating, and the appeal's columns (its rating, and a new
			// one on appeal, tell of it too).
			for _, c := range []string{"rating", "appeal_rating", "appeal_new_rating"} {
				if j, ok := col[c]; ok && r[j] != "" && r[j] != review.Withheld {
					add(l.current(person, i))
				}
			}
			if j, ok := col["earlier_wrapups"]; ok && r[j] != "" {
				for _, e := range strings.Split(r[j], "; ") {
					rater, rest, _ := strings.Cut(e, ": ")
					for _, v := range l.versions {
						if v.person == person && v.rater == l.byName[rater] && strings.HasPrefix(rest, review.ProgramScale.NameOf(v.rating)) {
							add(v)
						}
					}
				}
			}
		}
	}
	out := make([]*ratingVersion, 0, len(found))
	for v := range found {
		out = append(out, v)
	}
	return out
}

// radioPicked reports whether a wrap-up form has a rating chosen.
func radioPicked(view string) bool {
	var v struct {
		Blocks []struct {
			Element struct {
				ActionID      string          `json:"action_id"`
				InitialOption json.RawMessage `json:"initial_option"`
			} `json:"element"`
		} `json:"blocks"`
	}
	_ = json.Unmarshal([]byte(view), &v)
	for _, b := range v.Blocks {
		if b.Element.ActionID == "rating_pick" && len(b.Element.InitialOption) > 0 && string(b.Element.InitialOption) != "null" {
			return true
		}
	}
	return false
}

// check goes through everything shown so far.
func (l *ledger) check() {
	l.t.Helper()
	for i, s := range l.w.emu.Shown() {
		for _, v := range l.reveals(i, s) {
			if !l.allowed(s.To, v, i) {
				l.t.Errorf("#%d (%s) showed %s %s's rating by %s (%s), which they may not see:\n%.400s", i, s.Via, s.To, v.person, v.rater, v.rating, s.Content)
			}
		}
	}
	for _, r := range review.ProgramScale.Ratings {
		mustNotContain(l.t, "the bot's logs", l.w.logs.String(), r.Name)
	}
	for _, v := range l.versions {
		for _, m := range v.markers {
			mustNotContain(l.t, "the bot's logs", l.w.logs.String(), m)
		}
	}
}

// rateWith has manager write target's wrap-up through the modal: every
// answer Yes, the rating, comments and a plan.
func (w *world) rateWith(manager, target, name, rating, comments, plan string) {
	w.t.Helper()
	w.command(manager, "wrapup <@"+target+"|"+name+">")
	form := w.waitTopView(manager, "wrapup")
	set := values{}.pick("answer:four_checkins", "yes").pick("answer:expectations", "yes").pick("answer:feedback", "yes").text("comments", comments)
	if plan != "" {
		set.text("development_note", plan)
	}
	set.radio("rating", "rating_pick", rating)
	if errs := ackErrors(w.submit(manager, form, set)); errs != nil {
		w.t.Fatalf("%s rating %s: %v", manager, name, errs)
	}
}

// moveTo imports the cast's roster with person reporting to manager (by
// email) instead.
func (w *world) moveTo(person, manager string) {
	w.t.Helper()
	lines := strings.Split(castRoster, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, person+",") {
			f := strings.Split(l, ",")
			f[2] = manager
			lines[i] = strings.Join(f, ",")
		}
	}
	if out, code := w.importRoster(strings.Join(lines, "\n")); code != 0 {
		w.t.Fatalf("roster import exited %d:\n%s", code, out)
	}
}

// TestRatingsStayWithWhoMaySeeThem runs the wrap-up season with the
// moves that put a rating in front of the wrong person: Eli moves from Mona
// to Pat after Mona rated him and before HR approved, Pat writes his
// wrap-up late, in July; HR people are rated themselves; Zoe moves after
// approval and HR reopens the unit. Every message, view and file shown to
// anyone is then checked against who may see each rating at that moment.
func TestRatingsStayWithWhoMaySeeThem(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := startCast(t, url, "2027-06-16", withHRD)
		l := newLedger(t, w, []string{hana, hugo}, map[string]string{mona: dana, pat: dana, eli: mona, zoe: mona, hana: dana})

		// June 16: Dana rates her reports; Mona rates Eli.
		w.rateWith(dana, mona, "mona", "exceptional", "Mona-by-Dana 5e1c", "")
		l.rated(mona, dana, "exceptional", "Mona-by-Dana 5e1c")
		w.rateWith(dana, pat, "pat", "successful", "Pat-by-Dana 09d2", "")
		l.rated(pat, dana, "successful", "Pat-by-Dana 09d2")
		w.rateWith(dana, hana, "hana", "exceptional", "Hana-by-Dana 7aa0", "")
		l.rated(hana, dana, "exceptional", "Hana-by-Dana 7aa0")
		w.rateWith(mona, eli, "eli", "below", "Eli-by-Mona 3f7b", "Eli-plan-by-Mona 81c4")
		l.rated(eli, mona, "below", "Eli-by-Mona 3f7b", "Eli-plan-by-Mona 81c4")

		// Mona's running count of Exceptional leaves her own rating out,
		// and her with it: Hana's and this one, of four people.
		w.command(mona, "wrapup <@U0ZOE|zoe>")
		form := w.waitTopView(mona, "wrapup")
		if _, err := w.emu.SelectInView(w.ctx(), mona, form.ID, "rating_pick", "exceptional"); err != nil {
			t.Fatal(err)
		}
		form = w.waitFor(mona, func(v *slackemu.View) bool { return strings.Contains(rawText(v.Raw), "counting this one") })
		mustContain(t, "Mona's cap count", rawText(form.Raw), "Exceptional in EOHHS so far, counting this one: 2 of 4 people")
		set := values{}.pick("answer:four_checkins", "yes").pick("answer:expectations", "yes").pick("answer:feedback", "yes").text("comments", "Zoe-by-Mona 44e0")
		set.radio("rating", "rating_pick", "successful")
		if errs := ackErrors(w.submit(mona, form, set)); errs != nil {
			t.Fatal(errs)
		}
		l.rated(zoe, mona, "successful", "Zoe-by-Mona 44e0")

		// June 20: Eli moves to Pat before HR approved. Mona's wrap-up of
		// him is set aside: she and her manager can still read it; Pat
		// writes his own from a blank form; Zoe sees nothing.
		w.clock.setDay("2027-06-20")
		l.setAside(eli)
		w.moveTo("eli@example.org", "pat@example.org")
		w.command(mona, "wrapup <@U0ELI|eli>")
		mustContain(t, "Mona's earlier wrap-up of Eli", rawText(w.waitTopView(mona, "wrapup_earlier").Raw), "Eli-by-Mona 3f7b", "Below Expectations", "set aside Jun 20, 2027")
		w.command(dana, "wrapup <@U0ELI|eli>")
		mustContain(t, "Dana's view of Mona's earlier wrap-up", rawText(w.waitTopView(dana, "wrapup_earlier").Raw), "Eli-plan-by-Mona 81c4")
		mustContain(t, "Zoe asking for Eli's wrap-up", w.reply(zoe, "wrapup <@U0ELI|eli>"), "Only Eli Ortiz's current manager can write their wrap-up")
		mustNotContain(t, "Eli's Home", w.home(eli), "rating:", "Below Expectations")

		// July 2: Pat's wrap-up of Eli, late. His form holds nothing of
		// Mona's.
		w.clock.setDay("2027-07-02")
		w.command(pat, "wrapup <@U0ELI|eli>")
		mustContain(t, "Pat's form for Eli", rawText(w.waitTopView(pat, "wrapup").Raw), "earlier manager started a wrap-up", "Wrap-up for Eli Ortiz* · FY2027")
		w.emu.CloseView(w.ctx(), pat, w.topView(pat).ID)
		w.rateWith(pat, eli, "eli", "successful", "Eli-by-Pat 2b9e", "")
		l.rated(eli, pat, "successful", "Eli-by-Pat 2b9e")

		// July 6: Hana is rated in EOHHS. Her audit leaves her out, and
		// another HR colleague decides it; her export withholds her line.
		w.clock.setDay("2027-07-06")
		w.command(hana, "ratings")
		audit := w.waitTopView(hana, "ratings")
		mustContain(t, "Hana's audit", rawText(audit.Raw), "*EOHHS* · 4 people, 4 rated", "Your own rating is in EOHHS, so someone else in HR decides it.", "You're left out of these counts")
		mustNotContain(t, "Hana's audit", rawText(audit.Raw), "5 people", "Approve")
		ack, err := w.emu.SendInteractive(w.ctx(), map[string]any{
			"type": "block_actions", "user": map[string]any{"id": hana}, "team": map[string]any{"id": "T0EMU"}, "trigger_id": "1.2.x",
			"container": map[string]any{"type": "view", "view_id": audit.ID},
			"view":      map[string]any{"id": audit.ID, "type": "modal", "callback_id": "ratings", "private_metadata": `{"fy":2027}`},
			"actions":   []any{map[string]any{"action_id": "ratings_approve", "block_id": "b", "type": "button", "value": "EOHHS"}},
		})
		if err != nil || ack == nil {
			t.Fatal(err)
		}
		mustContain(t, "Hana approving her own unit", messageText(w.dmWith(hana, "Your own rating is in EOHHS")), "another HR colleague")
		w.emu.CloseView(w.ctx(), hana, audit.ID)
		mustContain(t, "export", w.reply(hana, "export FY2027"), "Preparing your export")
		mustContain(t, "export", w.reply(hana, "export FY2027 full"), "Preparing your export")
		files := map[string]slackemu.File{}
		for _, f := range w.waitFiles(2) {
			files[f.Name] = f
		}
		redacted, full := string(files["compliance-FY2027-redacted.csv"].Data), string(files["compliance-FY2027.csv"].Data)
		mustNotContain(t, "the default export", redacted, "Highly Effective", "Successful Performer", "Exceptional", "Eli-by-Pat")
		mustContain(t, "Hana's full export", full, "Hana Park,hana@example.org,EOHHS/HR,Dana Cho,active", "withheld", "Eli-by-Pat 2b9e", "Mona Lee: Below Expectations (set aside 2027-06-20)")
		mustNotContain(t, "Hana's full export", full, "Hana-by-Dana")

		// Hugo, central HR and not rated, approves with an exception.
		w.command(hugo, "ratings")
		audit = w.waitTopView(hugo, "ratings")
		mustContain(t, "Hugo's audit", rawText(audit.Raw), "*EOHHS* · 5 people, 5 rated · ⚠️ over the 10% cap on Exceptional")
		if _, err := w.emu.ClickViewButton(w.ctx(), hugo, audit.ID, "ratings_exception", "EOHHS"); err != nil {
			t.Fatal(err)
		}
		if errs := ackErrors(w.submit(hugo, w.waitTopView(hugo, "ratings_exception"), values{}.text("reason", "Two led the statewide portal."))); errs != nil {
			t.Fatal(errs)
		}

		// The managers who gave the ratings hold the conversations: Pat
		// Eli's, though Mona gave him one first; Dana Hana's.
		patDM := w.dmWith(pat, "HR has approved")
		mustContain(t, "Pat's approval DM", messageText(patDM), "Eli Ortiz")
		mustNotContain(t, "Mona's approval DM", messageText(w.dmWith(mona, "HR has approved")), "Eli Ortiz")
		danaDM := w.dmWith(dana, "HR has approved")
		n := len(w.emu.MessagesTo(mona))
		if _, err := w.emu.ClickMessageButton(w.ctx(), mona, patDM.Channel, patDM.TS, "rating_held", buttonValue(t, patDM.Raw, "rating_held", "Eli Ortiz")); err != nil {
			t.Fatal(err)
		}
		msgs, err := w.emu.WaitMessages(w.ctx(), mona, n+1)
		if err != nil {
			t.Fatal(err)
		}
		mustContain(t, "Mona marking Eli's conversation", messageText(msgs[n]), "Only the manager who gave this rating")
		l.release(eli)
		eliDMs := w.dmCount(eli)
		if _, err := w.emu.ClickMessageButton(w.ctx(), pat, patDM.Channel, patDM.TS, "rating_held", buttonValue(t, patDM.Raw, "rating_held", "Eli Ortiz")); err != nil {
			t.Fatal(err)
		}
		mustContain(t, "Eli's rating DM", messageText(w.dm(eli, eliDMs+1)), "Your FY2027 rating: Successful Performer", "You talked it through with Pat Kim")
		mustContain(t, "Eli's Home", w.home(eli), "Your FY2027 rating: Successful Performer")
		l.release(hana)
		hanaDMs := w.dmCount(hana)
		if _, err := w.emu.ClickMessageButton(w.ctx(), dana, danaDM.Channel, danaDM.TS, "rating_held", buttonValue(t, danaDM.Raw, "rating_held", "Hana Park")); err != nil {
			t.Fatal(err)
		}
		mustContain(t, "Hana's rating DM", messageText(w.dm(hana, hanaDMs+1)), "Your FY2027 rating: Exceptional")

		// July 7: released to her, Hana's own line is in her export.
		w.clock.setDay("2027-07-07")
		mustContain(t, "export", w.reply(hana, "export FY2027 full"), "Preparing your export")
		var again string
		for _, f := range w.waitFiles(3) {
			if f.Name == "compliance-FY2027.csv" && string(f.Data) != full {
				again = string(f.Data)
			}
		}
		mustContain(t, "Hana's export after her release", again, "Hana-by-Dana 7aa0")

		// July 8: Zoe moves to Pat after approval (her rating stays, not
		// released), and Hugo reopens the unit. Pat's form for Zoe holds
		// nothing of Mona's.
		w.clock.setDay("2027-07-08")
		w.moveTo("zoe@example.org", "pat@example.org")
		w.command(hugo, "ratings")
		audit = w.waitTopView(hugo, "ratings")
		if _, err := w.emu.ClickViewButton(w.ctx(), hugo, audit.ID, "ratings_reopen", "EOHHS"); err != nil {
			t.Fatal(err)
		}
		l.withdraw(eli)
		l.withdraw(hana)
		if errs := ackErrors(w.submit(hugo, w.waitTopView(hugo, "ratings_reopen"), values{}.text("reason", "Zoe moved; Pat writes hers."))); errs != nil {
			t.Fatal(errs)
		}
		w.dmWith(pat, "HR reopened")
		w.command(pat, "wrapup <@U0ZOE|zoe>")
		zoeForm := rawText(w.waitTopView(pat, "wrapup").Raw)
		mustContain(t, "Pat's form for Zoe", zoeForm, "earlier manager started a wrap-up")
		mustNotContain(t, "Pat's form for Zoe", zoeForm, "Zoe-by-Mona")
		mustNotContain(t, "Eli's Home after the reopening", w.home(eli), "Successful Performer")

		l.check()
	})
}

// TestLedgerCatchesWhatItShould: the ledger's own rules, on shown items
// made by hand, so that the confidentiality test cannot pass by finding
// nothing.
func TestLedgerCatchesWhatItShould(t *testing.T) {
	l := &ledger{t: t, hr: map[string]bool{hana: true}, managerOf: map[string]string{mona: dana},
		slackOf: map[int64]string{3: eli}, byName: map[string]string{"Eli Ortiz": eli, "Mona Lee": mona}}
	l.versions = []*ratingVersion{{person: eli, rater: mona, rating: "below", markers: []string{"M1"}, from: 0, to: 10, released: [][2]int{{5, 8}}}}
	view := func(picked bool) string {
		opt := "null"
		if picked {
			opt = `{"value":"below"}`
		}
		return fmt.Sprintf(`{"callback_id":"wrapup","private_metadata":"{\"p\":3,\"fy\":2027}","blocks":[{"type":"input","element":{"action_id":"rating_pick","initial_option":%s}}]}`, opt)
	}
	var csvOut bytes.Buffer
	cw := csv.NewWriter(&csvOut)
	_ = cw.WriteAll([][]string{{"name", "rating", "earlier_wrapups"}, {"Eli Ortiz", "Below Expectations", ""}})
	var appealOut bytes.Buffer
	aw := csv.NewWriter(&appealOut)
	_ = aw.WriteAll([][]string{{"name", "rating", "appeal_new_rating"}, {"Eli Ortiz", review.Withheld, "Successful Performer"}})
	tests := []struct {
		name   string
		i      int
		s      slackemu.Shown
		reveal bool
		ok     bool
	}{
		{"a marker to Zoe", 1, slackemu.Shown{To: zoe, Via: "chat.postMessage", Content: "x M1 y"}, true, false},
		{"a marker to the rater's manager", 1, slackemu.Shown{To: dana, Via: "chat.postMessage", Content: "M1"}, true, true},
		{"a marker to HR", 1, slackemu.Shown{To: hana, Via: "file", Content: "M1"}, true, true},
		{"a picked rating in a form to Pat", 2, slackemu.Shown{To: pat, Via: "modal", Content: view(true)}, true, false},
		{"a form with nothing picked", 2, slackemu.Shown{To: pat, Via: "modal", Content: view(false)}, false, true},
		{"the rating to Eli before release", 3, slackemu.Shown{To: eli, Via: "home", Content: "Your FY2027 rating: Below Expectations"}, true, false},
		{"the rating to Eli once released", 6, slackemu.Shown{To: eli, Via: "home", Content: "Your FY2027 rating: Below Expectations"}, true, true},
		{"the rating to Eli after a reopening", 9, slackemu.Shown{To: eli, Via: "chat.postMessage", Content: "*Your FY2027 rating: Below Expectations*"}, true, false},
		{"an export to Zoe", 2, slackemu.Shown{To: zoe, Via: "file", Content: csvOut.String()}, true, false},
		{"an appeal's new rating to Zoe", 2, slackemu.Shown{To: zoe, Via: "file", Content: appealOut.String()}, true, false},
		{"anything to a channel", 2, slackemu.Shown{To: "C0HR", Via: "chat.postMessage", Content: "M1"}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := l.reveals(tt.i, tt.s)
			if (len(got) > 0) != tt.reveal {
				t.Fatalf("reveals = %v, want a reveal: %v", got, tt.reveal)
			}
			if tt.reveal && l.allowed(tt.s.To, got[0], tt.i) != tt.ok {
				t.Errorf("allowed = %v, want %v", !tt.ok, tt.ok)
			}
		})
	}
}
