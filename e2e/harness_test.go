package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/app"
	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/config"
	"github.com/massperform/massperform/internal/pgtest"
	"github.com/massperform/massperform/internal/slackemu"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

func TestMain(m *testing.M) {
	if os.Getenv(launcherEnv) != "" {
		launchMeasured(os.Args[1:])
	}
	pgtest.Main(m)
}

// The cast of the end-to-end tests, in Slack and (but for Omar) on the roster.
const (
	dana = "U0DANA" // top of the tree
	mona = "U0MONA" // manages Eli and Zoe
	eli  = "U0ELI"
	zoe  = "U0ZOE"
	pat  = "U0PAT"  // another manager, reports to Dana
	hana = "U0HANA" // HR
	omar = "U0OMAR" // in the workspace, not in the program
	hugo = "U0HUGO" // central HR (HR_USERS), not in the program; only with withHRD
)

// withHRD adds Hugo to the workspace, with HR rights from HR_USERS: an HR
// person who is not rated in the program, and so may approve any unit.
func withHRD(w *world) {
	w.emu.AddUser(slackemu.User{ID: hugo, Name: "hugo", RealName: "Hugo Diaz", Email: "hugo@example.org", TZ: "America/New_York"})
	w.extra["HR_USERS"] = hugo
}

var cast = []slackemu.User{
	{ID: dana, Name: "dana", RealName: "Dana Cho", Email: "dana@example.org", TZ: "America/New_York"},
	{ID: mona, Name: "mona", RealName: "Mona Lee", Email: "mona@example.org", TZ: "America/Chicago"},
	{ID: eli, Name: "eli", RealName: "Eli Ortiz", Email: "eli@example.org", TZ: "America/Los_Angeles"},
	{ID: zoe, Name: "zoe", RealName: "Zoe Adams", Email: "zoe@example.org", TZ: "America/New_York"},
	{ID: pat, Name: "pat", RealName: "Pat Kim", Email: "pat@example.org", TZ: "America/New_York"},
	{ID: hana, Name: "hana", RealName: "Hana Park", Email: "hana@example.org", TZ: "America/New_York"},
	{ID: omar, Name: "omar", RealName: "Omar Said", Email: "omar@example.org", TZ: "Europe/London"},
}

const castRoster = `email,name,manager_email,unit,hr
dana@example.org,Dana Cho,,EOHHS,false
mona@example.org,Mona Lee,dana@example.org,EOHHS/Public Health,false
eli@example.org,Eli Ortiz,mona@example.org,EOHHS/Public Health,false
zoe@example.org,Zoe Adams,mona@example.org,EOHHS/Public Health,false
pat@example.org,Pat Kim,dana@example.org,EOHHS/Revenue,false
hana@example.org,Hana Park,dana@example.org,EOHHS/HR,true
`

// testClock is a clock the test sets.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// setDay moves the clock to 10:00 in Boston on day.
func (c *testClock) setDay(day string) {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		panic(err)
	}
	boston, _ := time.LoadLocation("America/New_York")
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, boston)
}

// lockedBuffer collects the bot's logs from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// world is a Slack workspace (the emulator), a database and the bot.
type world struct {
	t     testing.TB
	emu   *slackemu.Server
	clock *testClock
	dbURL string
	logs  *lockedBuffer
	extra map[string]string // more settings
	http  string            // where the last bot started serves /healthz, /readyz and /metrics
	// stop stops the last bot started, as SIGTERM does, and returns its
	// exit code once it has finished.
	stop func() int
	// hrRecheck, if set, is how often the bot asks Slack about HR_CHANNEL.
	hrRecheck time.Duration
	// overHTTP has the bot take Slack's requests on its request URLs
	// (SLACK_MODE=http), and the emulator post them there, signed,
	// instead of over Socket Mode: see withHTTP.
	overHTTP bool
	// stale holds, per user, the modal that was on top when they last sent
	// a command: the form the command opens is another one, so waitTopView
	// does not take the old one for it (commands ack before they open).
	staleMu sync.Mutex
	stale   map[string]string
}

// skipIfShort skips a test that runs the real bot against the emulator,
// or builds the binary, when go test has -short: `go test -short ./...` is
// the quick run (well under a minute for the other packages), and these
// take the end-to-end package's 18 minutes. What does not start a bot
// (help, the import layout) still runs; benchmarks are never skipped.
func skipIfShort(tb testing.TB) {
	tb.Helper()
	if _, test := tb.(*testing.T); test && testing.Short() {
		tb.Skip("end to end: skipped with -short; go test ./e2e runs it")
	}
}

// withHTTP runs the bot in http mode: Slack's requests come to its request
// URLs, signed, instead of over Socket Mode.
func withHTTP(w *world) { w.overHTTP = true }

// eachMode runs f once for each way Slack reaches the bot, Socket Mode and
// request URLs, with the setup that selects it (for startCast): the flows
// that can run in both do.
func eachMode(t *testing.T, f func(t *testing.T, mode func(*world))) {
	t.Run("socket", func(t *testing.T) { f(t, func(*world) {}) })
	t.Run("http", func(t *testing.T) { f(t, withHTTP) })
}

// newWorld starts an emulated workspace holding the cast, on the given day
// (10:00 in Boston).
func newWorld(t testing.TB, dbURL, day string) *world {
	t.Helper()
	skipIfShort(t)
	emu := slackemu.New(slackemu.Config{})
	t.Cleanup(emu.Close)
	for _, u := range cast {
		emu.AddUser(u)
	}
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		t.Fatal(err)
	}
	boston, _ := time.LoadLocation("America/New_York")
	w := &world{t: t, emu: emu, dbURL: dbURL, logs: &lockedBuffer{}, extra: map[string]string{},
		clock: &testClock{t: time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, boston)}}
	t.Cleanup(w.checkSlackUse)
	return w
}

func (w *world) env() config.Getenv {
	m := map[string]string{
		"SLACK_BOT_TOKEN": w.emu.BotToken(),
		"SLACK_APP_TOKEN": w.emu.AppToken(),
		"SLACK_API_URL":   w.emu.APIURL(),
		"DATABASE_URL":    w.dbURL,
		"LOG_LEVEL":       "debug",
		"LOG_FORMAT":      "text",
		"HTTP_ADDR":       "127.0.0.1:0", // a free port: tests run several bots
	}
	if w.overHTTP {
		m["SLACK_MODE"] = "http"
		m["SLACK_SIGNING_SECRET"] = w.emu.SigningSecret()
		delete(m, "SLACK_APP_TOKEN") // not needed over HTTP
	}
	for k, v := range w.extra {
		m[k] = v
	}
	return func(k string) string { return m[k] }
}

// cli runs a massperform command to the end and returns what it printed.
func (w *world) cli(args ...string) (out string, code int) {
	var o, e bytes.Buffer
	a := &app.App{Getenv: w.env(), Stdout: &o, Stderr: &e, Clock: w.clock}
	code = a.Run(context.Background(), args)
	return o.String() + e.String(), code
}

// importRoster imports a roster file with the given content.
func (w *world) importRoster(csv string, flags ...string) (string, int) {
	path := filepath.Join(w.t.TempDir(), "roster.csv")
	if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
		w.t.Fatal(err)
	}
	return w.cli(append([]string{"roster", "import", path}, flags...)...)
}

// start runs the bot as `massperform serve` does until the test ends.
func (w *world) start() {
	w.t.Helper()
	ready := make(chan struct{})
	a := &app.App{Getenv: w.env(), Stdout: io.Discard, Stderr: w.logs, Clock: w.clock, Ready: func() { close(ready) },
		Listening: func(addr string) {
			w.http = addr
			if w.overHTTP {
				// Slack posts to the request URLs of the bot started last.
				w.emu.DeliverTo("http://" + addr)
			}
		}, HRRecheck: w.hrRecheck}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- a.Run(ctx, []string{"serve"}) }()
	select {
	case <-ready:
	case code := <-done:
		cancel()
		w.t.Fatalf("serve exited with %d:\n%s", code, w.logs)
	case <-time.After(20 * time.Second):
		cancel()
		w.t.Fatalf("the bot did not connect:\n%s", w.logs)
	}
	code, stopped := 0, false
	w.stop = func() int {
		cancel()
		if !stopped {
			select {
			case code = <-done:
				stopped = true
			case <-time.After(30 * time.Second):
				w.t.Error("the bot did not stop")
			}
		}
		return code
	}
	stop := w.stop
	w.t.Cleanup(func() {
		stop()
		if w.t.Failed() {
			w.t.Logf("bot logs:\n%s", w.logs)
		}
	})
}

// checkSlackUse fails the test if the bot broke a Slack limit or called a
// method that bot.Methods (and so the manifest's scopes) does not cover.
func (w *world) checkSlackUse() {
	if v := w.emu.Violations(); len(v) > 0 {
		w.t.Errorf("the bot broke Slack's rules:\n%s", strings.Join(v, "\n"))
	}
	for _, c := range w.emu.Calls() {
		if c.Method == "response_url" || c.Method == "upload" {
			continue
		}
		if _, ok := bot.Methods[c.Method]; !ok {
			w.t.Errorf("the bot called %s, which bot.Methods does not list", c.Method)
		}
	}
}

func (w *world) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	w.t.Cleanup(cancel)
	return ctx
}

// command runs a slash command as user and returns the ack.
func (w *world) command(user, text string) *slackemu.Ack {
	w.t.Helper()
	w.staleMu.Lock()
	if w.stale == nil {
		w.stale = map[string]string{}
	}
	if v := w.emu.TopView(user); v != nil {
		w.stale[user] = v.ID
	} else {
		delete(w.stale, user)
	}
	w.staleMu.Unlock()
	ack, err := w.emu.SlashCommand(w.ctx(), user, "/perform", text)
	if err != nil {
		w.t.Fatalf("/perform %s: %v", text, err)
	}
	if ack.Late {
		w.t.Errorf("/perform %s was acked late (%v)", text, ack.Latency)
	}
	return ack
}

// reply runs a slash command and returns the private answer: from the ack,
// or from the response_url when the bot answered later.
func (w *world) reply(user, text string) string {
	w.t.Helper()
	before := len(w.emu.MessagesTo(user))
	w.command(user, text)
	ctx := w.ctx()
	for n := before + 1; ; n++ {
		msgs, err := w.emu.WaitMessages(ctx, user, n)
		if err != nil {
			w.t.Fatalf("no answer to /perform %s: %v", text, err)
		}
		// The command's answer (in its ack, through its response_url or
		// as an ephemeral message), not a DM or a file that happened to
		// arrive beside it.
		if m := msgs[n-1]; m.Via == "command_ack" || m.Via == "response_url" || m.Via == "chat.postEphemeral" {
			w.staleMu.Lock()
			delete(w.stale, user) // answered in words: no form opened
			w.staleMu.Unlock()
			return messageText(m)
		}
	}
}

// dms waits for the n-th direct message the bot posts to user and returns it.
func (w *world) dm(user string, n int) slackemu.Message {
	w.t.Helper()
	ctx := w.ctx()
	for {
		var got []slackemu.Message
		for _, m := range w.emu.MessagesTo(user) {
			if m.Via == "chat.postMessage" {
				got = append(got, m)
			}
		}
		if len(got) >= n {
			return got[n-1]
		}
		select {
		case <-ctx.Done():
			w.t.Fatalf("%s got %d direct messages, want %d", user, len(got), n)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// dmCount returns how many direct messages user has had.
func (w *world) dmCount(user string) int {
	n := 0
	for _, m := range w.emu.MessagesTo(user) {
		if m.Via == "chat.postMessage" {
			n++
		}
	}
	return n
}

// topView returns the modal on top of user's stack, failing if none.
func (w *world) topView(user string) *slackemu.View {
	w.t.Helper()
	v := w.emu.TopView(user)
	if v == nil {
		w.t.Fatalf("%s has no modal open", user)
	}
	return v
}

// waitTopView waits until user's top modal has the callback id (and, after
// a command, is not the modal that was on top when it was sent).
func (w *world) waitTopView(user, callbackID string) *slackemu.View {
	w.t.Helper()
	ctx := w.ctx()
	for {
		w.staleMu.Lock()
		v, stale := w.emu.TopView(user), w.stale[user]
		if v != nil && v.CallbackID == callbackID && v.ID != stale {
			delete(w.stale, user)
			w.staleMu.Unlock()
			return v
		}
		w.staleMu.Unlock()
		select {
		case <-ctx.Done():
			w.t.Fatalf("%s never saw a %q modal (top: %+v)\nlogs:\n%s", user, callbackID, w.emu.TopView(user), w.logs)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// home opens user's Home tab and returns its text once published.
func (w *world) home(user string) string {
	w.t.Helper()
	before := ""
	if h := w.emu.Home(user); h != nil {
		before = h.Hash
	}
	if _, err := w.emu.OpenHome(w.ctx(), user); err != nil {
		w.t.Fatal(err)
	}
	ctx := w.ctx()
	for {
		if h := w.emu.Home(user); h != nil && h.Hash != before {
			return rawText(h.Raw)
		}
		select {
		case <-ctx.Done():
			w.t.Fatalf("no Home tab published for %s", user)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// submit submits user's modal with these inputs set (the others keep what
// they hold) and returns the ack.
func (w *world) submit(user string, v *slackemu.View, set values) *slackemu.Ack {
	w.t.Helper()
	ack, err := w.emu.Submit(w.ctx(), user, v.ID, map[string]map[string]slack.BlockAction(set))
	if err != nil {
		w.t.Fatalf("submit %s: %v", v.CallbackID, err)
	}
	if ack.Late {
		w.t.Errorf("submission of %s acked late (%v)", v.CallbackID, ack.Latency)
	}
	return ack
}

// values are form inputs by block id and action id.
type values map[string]map[string]slack.BlockAction

func (v values) text(block, value string) values {
	v[block] = map[string]slack.BlockAction{"text": {ActionID: "text", BlockID: block, Type: "plain_text_input", Value: value}}
	return v
}

// input is what was typed in a text input whose action_id is not "text".
func (v values) input(block, action, value string) values {
	v[block] = map[string]slack.BlockAction{action: {ActionID: action, BlockID: block, Type: "plain_text_input", Value: value}}
	return v
}

func (v values) date(block, day string) values {
	v[block] = map[string]slack.BlockAction{"date": {ActionID: "date", BlockID: block, Type: "datepicker", SelectedDate: day}}
	return v
}

func (v values) tick(block string) values {
	v[block] = map[string]slack.BlockAction{"check": {ActionID: "check", BlockID: block, Type: "checkboxes",
		SelectedOptions: []slack.OptionBlockObject{{Value: "yes", Text: &slack.TextBlockObject{Type: "plain_text", Text: "x"}}}}}
	return v
}

// ackErrors returns the field errors of a submission ack (nil if none).
func ackErrors(a *slackemu.Ack) map[string]string {
	var r struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
	}
	_ = json.Unmarshal(a.Payload, &r)
	if r.ResponseAction != "errors" {
		return nil
	}
	return r.Errors
}

// messageText is everything a message says, text and blocks.
func messageText(m slackemu.Message) string { return m.Text + "\n" + rawText(m.Raw) }

// rawText collects every "text" string in a JSON document.
func rawText(raw json.RawMessage) string {
	var v any
	_ = json.Unmarshal(raw, &v)
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && k == "text" {
					b.WriteString(s)
					b.WriteString("\n")
				} else {
					walk(e)
				}
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return b.String()
}

// buttonValue finds the value of the button with actionID in a raw view or
// message whose surrounding text contains near ("" for the first).
func buttonValue(t *testing.T, raw json.RawMessage, actionID, near string) string {
	t.Helper()
	var v struct {
		Blocks []struct {
			Text      *struct{ Text string } `json:"text"`
			Accessory *struct {
				ActionID string `json:"action_id"`
				Value    string `json:"value"`
			} `json:"accessory"`
			Elements []struct {
				ActionID string `json:"action_id"`
				Value    string `json:"value"`
			} `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	for _, b := range v.Blocks {
		if b.Accessory != nil && b.Accessory.ActionID == actionID && (near == "" || b.Text != nil && strings.Contains(b.Text.Text, near)) {
			return b.Accessory.Value
		}
		for _, e := range b.Elements {
			if e.ActionID == actionID && near == "" {
				return e.Value
			}
		}
	}
	t.Fatalf("no %s button near %q in %s", actionID, near, raw)
	return ""
}

func mustContain(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s does not say %q:\n%s", what, w, got)
		}
	}
}

func mustNotContain(t *testing.T, what, got string, nots ...string) {
	t.Helper()
	for _, n := range nots {
		if strings.Contains(got, n) {
			t.Errorf("%s says %q but should not:\n%s", what, n, got)
		}
	}
}

// outboxSettled waits until nothing is left to send: every notification
// is sent, failed or cancelled. Only then can a test say a message came
// once: a duplicate would come from a row still pending (a retry after its
// backoff, a claim whose lease ran out), however long a test slept.
func (w *world) outboxSettled() {
	w.t.Helper()
	s := openStore(w.t, w)
	ctx := w.ctx()
	for {
		counts, err := s.OutboxCounts(ctx)
		if err == nil && counts[storage.OutboxPending] == 0 {
			return
		}
		select {
		case <-ctx.Done():
			w.t.Fatalf("the outbox never settled: %v %v", counts, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// openStore opens the world's database for a test to look at.
func openStore(t testing.TB, w *world) *storage.Store {
	t.Helper()
	return storagetest.Open(t, w.dbURL, w.clock)
}

// pick selects an option (static select or radio buttons, action "pick").
func (v values) pick(block, value string) values {
	v[block] = map[string]slack.BlockAction{"pick": {ActionID: "pick", BlockID: block, Type: "static_select",
		SelectedOption: slack.OptionBlockObject{Value: value, Text: &slack.TextBlockObject{Type: "plain_text", Text: value}}}}
	return v
}

// options ticks checkboxes (action "check") with these values.
func (v values) options(block string, vals ...string) values {
	var opts []slack.OptionBlockObject
	for _, x := range vals {
		opts = append(opts, slack.OptionBlockObject{Value: x, Text: &slack.TextBlockObject{Type: "plain_text", Text: x}})
	}
	v[block] = map[string]slack.BlockAction{"check": {ActionID: "check", BlockID: block, Type: "checkboxes", SelectedOptions: opts}}
	return v
}

// buildBinary builds massperform, as a user would run it.
func buildBinary(tb testing.TB) string {
	tb.Helper()
	skipIfShort(tb)
	bin := filepath.Join(tb.TempDir(), "massperform")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/massperform/massperform").CombinedOutput(); err != nil {
		tb.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// runBinary starts the built binary's `serve` against w's workspace and
// database, waits until it is connected, and returns it with a channel
// that receives how it exited (w.http is then where it serves /metrics).
// It is killed when the test ends.
func (w *world) runBinary(bin string) (*exec.Cmd, <-chan error) {
	w.t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Dir = w.t.TempDir()
	cmd.Env = []string{"SLACK_BOT_TOKEN=" + w.emu.BotToken(), "SLACK_APP_TOKEN=" + w.emu.AppToken(),
		"SLACK_API_URL=" + w.emu.APIURL(), "DATABASE_URL=" + w.dbURL, "LOG_FORMAT=text", "HTTP_ADDR=127.0.0.1:0"}
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { _ = cmd.Process.Kill() })
	sc := bufio.NewScanner(stderr)
	for sc.Scan() && !strings.Contains(sc.Text(), "msg=ready") {
		if line := sc.Text(); strings.Contains(line, "health checks and metrics") {
			if _, addr, ok := strings.Cut(line, "addr="); ok {
				w.http = strings.Fields(addr)[0]
			}
		}
	}
	go func() {
		for sc.Scan() {
		}
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	return cmd, exited
}
