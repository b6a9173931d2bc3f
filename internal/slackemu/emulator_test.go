package slackemu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

func TestSlashCommandAck(t *testing.T) {
	s := newEmu(t, Config{})
	s.AddUser(User{ID: "U1", Email: "Alice@Example.com"})

	got := make(chan slack.SlashCommand, 1)
	startBot(t, s, func(sm *socketmode.Client, evt socketmode.Event) {
		if cmd, ok := evt.Data.(slack.SlashCommand); ok {
			got <- cmd
			_ = sm.Ack(*evt.Request, map[string]any{"text": "working on " + cmd.Text})
		}
	})
	if n := s.Connections(); n != 1 {
		t.Fatalf("Connections() = %d, want 1", n)
	}

	ack, err := s.SlashCommand(ctxT(t), "U1", "/perform", "review Q3")
	if err != nil {
		t.Fatal(err)
	}
	if ack.Late || ack.Type != "slash_commands" {
		t.Errorf("ack = %+v", ack)
	}
	var payload map[string]any
	if err := json.Unmarshal(ack.Payload, &payload); err != nil || payload["text"] != "working on review Q3" {
		t.Errorf("ack payload = %s (%v)", ack.Payload, err)
	}

	cmd := <-got
	want := slack.SlashCommand{
		Token: verificationToken, TeamID: "T0EMU", TeamDomain: "emulator", ChannelID: "D1",
		ChannelName: "directmessage", UserID: "U1", UserName: "alice", Command: "/perform",
		Text: "review Q3", APIAppID: "A0EMU",
	}
	if diff := cmp.Diff(want, cmd, cmp.FilterPath(func(p cmp.Path) bool {
		f := p.String()
		return f == "ResponseURL" || f == "TriggerID"
	}, cmp.Ignore())); diff != "" {
		t.Errorf("slash command payload (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(cmd.ResponseURL, s.URL()+"/response/") || cmd.TriggerID == "" {
		t.Errorf("response_url %q, trigger_id %q", cmd.ResponseURL, cmd.TriggerID)
	}

	msgs := s.MessagesTo("U1")
	if len(msgs) != 1 || msgs[0].Text != "working on review Q3" || !msgs[0].Ephemeral || msgs[0].Via != "command_ack" {
		t.Errorf("MessagesTo(U1) = %+v", msgs)
	}
	wantNoViolations(t, s)
}

func TestLateAndMissingAck(t *testing.T) {
	s := newEmu(t, Config{AckTimeout: 100 * time.Millisecond, AckWait: 400 * time.Millisecond})
	s.AddUser(User{ID: "U1"})
	startBot(t, s, func(sm *socketmode.Client, evt socketmode.Event) {
		cmd := evt.Data.(slack.SlashCommand)
		switch cmd.Text {
		case "slow":
			time.Sleep(200 * time.Millisecond)
			_ = sm.Ack(*evt.Request)
		case "never":
		}
	})
	ack, err := s.SlashCommand(ctxT(t), "U1", "/x", "slow")
	if err != nil {
		t.Fatal(err)
	}
	if !ack.Late || ack.Latency < 200*time.Millisecond {
		t.Errorf("ack = %+v, want Late", ack)
	}
	wantViolation(t, s, "late ack")

	if _, err := s.SlashCommand(ctxT(t), "U1", "/x", "never"); !errors.Is(err, ErrNoAck) {
		t.Errorf("err = %v, want ErrNoAck", err)
	}
	wantViolation(t, s, "no ack")
}

// TestPingsKeepConnection: a client that expects a ping every second
// stays on one connection for 2.5 seconds, because the emulator pings ten
// times as often (the margin keeps it steady on a loaded machine; without
// pings the client would reconnect at its first tick).
func TestPingsKeepConnection(t *testing.T) {
	s := newEmu(t, Config{PingInterval: 100 * time.Millisecond})
	b := startBot(t, s, nil, socketmode.OptionPingInterval(time.Second))
	time.Sleep(2500 * time.Millisecond)
	if n := len(s.CallsTo("apps.connections.open")); n != 1 {
		t.Errorf("apps.connections.open called %d times, want 1 (client reconnected: pings missing?)", n)
	}
	if !b.sawEvent(socketmode.EventTypeHello) {
		t.Error("bot saw no hello")
	}
	wantNoViolations(t, s)
}

func TestDisconnectAndDropReconnect(t *testing.T) {
	s := newEmu(t, Config{})
	s.AddUser(User{ID: "U1"})
	startBot(t, s, func(sm *socketmode.Client, evt socketmode.Event) { _ = sm.Ack(*evt.Request) })

	s.RequestDisconnect("refresh_requested")
	waitUntil(t, "reconnect after disconnect", func() bool {
		return len(s.CallsTo("apps.connections.open")) == 2 && s.Connections() == 1
	})
	if _, err := s.SlashCommand(ctxT(t), "U1", "/x", "after disconnect"); err != nil {
		t.Fatal(err)
	}

	s.DropConnections()
	waitUntil(t, "reconnect after drop", func() bool {
		return len(s.CallsTo("apps.connections.open")) == 3 && s.Connections() == 1
	})
	if _, err := s.SlashCommand(ctxT(t), "U1", "/x", "after drop"); err != nil {
		t.Fatal(err)
	}
	wantNoViolations(t, s)
}

// triggerBot acks every envelope and hands out the trigger_ids it sees.
func triggerBot(t *testing.T, s *Server) (*testBot, <-chan string) {
	triggers := make(chan string, 10)
	b := startBot(t, s, func(sm *socketmode.Client, evt socketmode.Event) {
		switch d := evt.Data.(type) {
		case slack.SlashCommand:
			triggers <- d.TriggerID
		case slack.InteractionCallback:
			triggers <- d.TriggerID
		}
		_ = sm.Ack(*evt.Request)
	})
	return b, triggers
}

func TestViewsOpenTriggerRules(t *testing.T) {
	s := newEmu(t, Config{TriggerTTL: 500 * time.Millisecond})
	s.AddUser(User{ID: "U1"})
	b, triggers := triggerBot(t, s)

	if _, err := s.SlashCommand(ctxT(t), "U1", "/feedback", ""); err != nil {
		t.Fatal(err)
	}
	trig := <-triggers
	resp, err := b.api.OpenView(trig, simpleModal())
	if err != nil {
		t.Fatalf("views.open with a fresh trigger: %v", err)
	}
	if !strings.HasPrefix(resp.View.ID, "V") || resp.View.RootViewID != resp.View.ID || resp.View.Hash == "" {
		t.Errorf("view = %+v", resp.View)
	}
	top := s.TopView("U1")
	if top == nil || top.ID != resp.View.ID || top.Title != "Feedback" || top.CallbackID != "feedback" {
		t.Fatalf("TopView = %+v", top)
	}
	wantNoViolations(t, s)

	_, err = b.api.OpenView(trig, simpleModal())
	if got := slackErr(err); got != "exchanged_trigger_id" {
		t.Errorf("reused trigger: err = %q, want exchanged_trigger_id", got)
	}
	wantViolation(t, s, "exchanged_trigger_id")

	_, err = b.api.OpenView("123.456.abc", simpleModal())
	if got := slackErr(err); got != "invalid_trigger_id" {
		t.Errorf("unknown trigger: err = %q, want invalid_trigger_id", got)
	}

	if _, err := s.SlashCommand(ctxT(t), "U1", "/feedback", ""); err != nil {
		t.Fatal(err)
	}
	trig = <-triggers
	time.Sleep(600 * time.Millisecond)
	_, err = b.api.OpenView(trig, simpleModal())
	if got := slackErr(err); got != "expired_trigger_id" {
		t.Errorf("old trigger: err = %q, want expired_trigger_id", got)
	}
	wantViolation(t, s, "expired_trigger_id")
}

func TestViewsOpenInvalidBlocks(t *testing.T) {
	s := newEmu(t, Config{})
	s.AddUser(User{ID: "U1"})
	b, triggers := triggerBot(t, s)
	if _, err := s.SlashCommand(ctxT(t), "U1", "/feedback", ""); err != nil {
		t.Fatal(err)
	}
	m := simpleModal()
	m.Title = slack.NewTextBlockObject(slack.PlainTextType, "A title that is far too long for Slack", false, false)
	_, err := b.api.OpenView(<-triggers, m)
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) || se.Err != "invalid_arguments" || len(se.ResponseMetadata.Messages) == 0 ||
		!strings.Contains(se.ResponseMetadata.Messages[0], "[json-pointer:/view/title/text]") {
		t.Fatalf("err = %#v", err)
	}
	wantViolation(t, s, "modal.title.max_length")
	if s.TopView("U1") != nil {
		t.Error("an invalid view was opened")
	}
}

// formBot opens simpleModal on /feedback and validates submissions: a name
// of "bad" gets errors, "unknown" gets errors on a non-input block, "more"
// pushes a second view, anything else closes the modal.
func formBot(t *testing.T, s *Server) *testBot {
	api := apiClient(s)
	return startBot(t, s, func(sm *socketmode.Client, evt socketmode.Event) {
		switch d := evt.Data.(type) {
		case slack.SlashCommand:
			_ = sm.Ack(*evt.Request)
			if _, err := api.OpenView(d.TriggerID, simpleModal()); err != nil {
				t.Errorf("views.open: %v", err)
			}
		case slack.InteractionCallback:
			if d.Type != slack.InteractionTypeViewSubmission {
				_ = sm.Ack(*evt.Request)
				return
			}
			name := d.View.State.Values["name_block"]["name"].Value
			switch name {
			case "bad":
				_ = sm.Ack(*evt.Request, slack.NewErrorsViewSubmissionResponse(map[string]string{"name_block": "Too short"}))
			case "unknown":
				_ = sm.Ack(*evt.Request, slack.NewErrorsViewSubmissionResponse(map[string]string{"nope": "?"}))
			case "more":
				m := simpleModal()
				m.Title = slack.NewTextBlockObject(slack.PlainTextType, "Step 2", false, false)
				_ = sm.Ack(*evt.Request, slack.NewPushViewSubmissionResponse(&m))
			default:
				_ = sm.Ack(*evt.Request)
			}
		default:
			_ = sm.Ack(*evt.Request)
		}
	})
}

func TestSubmitErrorsThenClose(t *testing.T) {
	s := newEmu(t, Config{})
	s.AddUser(User{ID: "U1"})
	formBot(t, s)
	ctx := ctxT(t)
	if _, err := s.SlashCommand(ctx, "U1", "/feedback", ""); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "modal", func() bool { return s.TopView("U1") != nil })
	v := s.TopView("U1")

	// Required input empty: Slack's client would not submit.
	if _, err := s.Submit(ctx, "U1", v.ID, nil); err == nil || !strings.Contains(err.Error(), "name_block") {
		t.Fatalf("submit with empty required input: err = %v", err)
	}

	vals := InitialValues(v)
	if err := v.Fill(vals, "name", "bad"); err != nil {
		t.Fatal(err)
	}
	if err := v.Fill(vals, "team", "blue"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Submit(ctx, "U1", v.ID, vals); err != nil {
		t.Fatal(err)
	}
	after := s.TopView("U1")
	if after == nil || after.ID != v.ID {
		t.Fatalf("view closed after errors: %+v", after)
	}
	if diff := cmp.Diff(map[string]string{"name_block": "Too short"}, after.Errors); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if got := after.State["team_block"]["team"].SelectedOption.Value; got != "blue" {
		t.Errorf("entered team not kept: %q", got)
	}
	wantNoViolations(t, s)

	// Errors on a block that is not an input block are a violation.
	if err := v.Fill(vals, "name", "unknown"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Submit(ctx, "U1", v.ID, vals); err != nil {
		t.Fatal(err)
	}
	wantViolation(t, s, `"nope" is not the block_id of an input block`)
	s.ResetViolations()

	// Push, then submit both views: each empty ack closes one view.
	if err := v.Fill(vals, "name", "more"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Submit(ctx, "U1", v.ID, vals); err != nil {
		t.Fatal(err)
	}
	stack := s.ViewStack("U1")
	if len(stack) != 2 || stack[1].Title != "Step 2" || stack[1].PreviousViewID != v.ID || stack[1].RootViewID != v.ID {
		t.Fatalf("stack after push = %+v", stack)
	}
	v2 := stack[1]
	vals2 := InitialValues(v2)
	if err := v2.Fill(vals2, "name", "done"); err != nil {
		t.Fatal(err)
	}
	if err := v2.Fill(vals2, "team", "red"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Submit(ctx, "U1", v2.ID, vals2); err != nil {
		t.Fatal(err)
	}
	if top := s.TopView("U1"); top == nil || top.ID != v.ID {
		t.Fatalf("after submitting the pushed view, top = %+v, want %s", top, v.ID)
	}
	if err := v.Fill(vals, "name", "good"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Submit(ctx, "U1", v.ID, vals); err != nil {
		t.Fatal(err)
	}
	if top := s.TopView("U1"); top != nil {
		t.Errorf("modal still open after an empty ack: %+v", top)
	}
	wantNoViolations(t, s)
}

// TestSubmitForged: a submission of one user's modal sent as another
// reaches the bot with the other user and the form's own ids and values,
// and leaves the owner's modal as it was.
func TestSubmitForged(t *testing.T) {
	s := newEmu(t, Config{})
	s.AddUser(User{ID: "U1"})
	s.AddUser(User{ID: "U2"})
	b := formBot(t, s)
	ctx := ctxT(t)
	if _, err := s.SlashCommand(ctx, "U1", "/feedback", ""); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "modal", func() bool { return s.TopView("U1") != nil })
	v := s.TopView("U1")
	vals := InitialValues(v)
	if err := v.Fill(vals, "name", "bad"); err != nil {
		t.Fatal(err)
	}
	if err := v.Fill(vals, "team", "blue"); err != nil {
		t.Fatal(err)
	}
	ack, err := s.SubmitForged(ctx, "U2", "U1", v.ID, vals)
	if err != nil || !strings.Contains(string(ack.Payload), "Too short") {
		t.Fatalf("forged submission: %v, %+v", err, ack)
	}
	var got *slack.InteractionCallback
	for _, e := range b.received() {
		if ic, ok := e.Data.(slack.InteractionCallback); ok && ic.Type == slack.InteractionTypeViewSubmission {
			got = &ic
		}
	}
	if got == nil || got.User.ID != "U2" || got.View.ID != v.ID || got.View.State.Values["name_block"]["name"].Value != "bad" {
		t.Fatalf("the bot saw %+v", got)
	}
	if after := s.TopView("U1"); after == nil || after.ID != v.ID || len(after.Errors) != 0 || after.State["name_block"]["name"].Value == "bad" {
		t.Errorf("the owner's modal changed: %+v", after)
	}
	if _, err := s.SubmitForged(ctx, "U2", "U1", "VNONE", vals); err == nil {
		t.Error("a forged submission of no open modal was sent")
	}
}

func TestViewsUpdatePushPublish(t *testing.T) {
	s := newEmu(t, Config{})
	s.AddUser(User{ID: "U1"})
	b, triggers := triggerBot(t, s)
	ctx := ctxT(t)

	if _, err := s.SlashCommand(ctx, "U1", "/feedback", ""); err != nil {
		t.Fatal(err)
	}
	m := simpleModal()
	m.Blocks.BlockSet = append(m.Blocks.BlockSet, slack.NewActionBlock("",
		slack.NewButtonBlockElement("next", "go", slack.NewTextBlockObject(slack.PlainTextType, "Next", false, false))))
	opened, err := b.api.OpenView(<-triggers, m)
	if err != nil {
		t.Fatal(err)
	}
	// The actions block had no block_id: Slack generates one.
	if id := s.TopView("U1").BlockIDOf("next"); id == "" {
		t.Error("no block_id generated")
	}

	// Stale hash.
	if _, err := b.api.UpdateView(m, "", "1.stale", opened.View.ID); slackErr(err) != "hash_conflict" {
		t.Errorf("stale hash: err = %v", err)
	}
	m.Title = slack.NewTextBlockObject(slack.PlainTextType, "Updated", false, false)
	upd, err := b.api.UpdateView(m, "", opened.View.Hash, opened.View.ID)
	if err != nil {
		t.Fatal(err)
	}
	if upd.View.ID != opened.View.ID || upd.View.Hash == opened.View.Hash || s.TopView("U1").Title != "Updated" {
		t.Errorf("update: %+v", upd.View)
	}
	if _, err := b.api.UpdateView(m, "", "", "VNOPE"); slackErr(err) != "not_found" {
		t.Errorf("unknown view: err = %v", err)
	}

	// Push up to the limit of 3 with triggers from clicks in the top view.
	for i := 0; i < 3; i++ {
		top := s.TopView("U1")
		if _, err := s.ClickViewButton(ctx, "U1", top.ID, "next", ""); err != nil {
			t.Fatal(err)
		}
		_, err := b.api.PushView(<-triggers, m)
		if i < 2 && err != nil {
			t.Fatalf("push %d: %v", i, err)
		}
		if i == 2 && slackErr(err) != "push_limit_reached" {
			t.Errorf("push beyond 3: err = %v", err)
		}
	}
	if n := len(s.ViewStack("U1")); n != 3 {
		t.Errorf("stack has %d views", n)
	}
	wantViolation(t, s, "push_limit_reached")

	// Home tab.
	home := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*Hi*", false, false), nil, nil),
	}}}
	pub, err := b.api.PublishView("U1", home, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.api.PublishView("U1", home, "1.stale"); slackErr(err) != "hash_conflict" {
		t.Errorf("publish with stale hash: err = %v", err)
	}
	if h := s.Home("U1"); h == nil || h.ID != pub.View.ID || h.Type != "home" {
		t.Errorf("Home = %+v", h)
	}
	if _, err := s.OpenHome(ctx, "U1"); err != nil {
		t.Fatal(err)
	}
}

func TestMessageButtonAndResponseURL(t *testing.T) {
	s := newEmu(t, Config{})
	s.AddUser(User{ID: "U1"})
	clicks := make(chan slack.InteractionCallback, 1)
	b := startBot(t, s, func(sm *socketmode.Client, evt socketmode.Event) {
		if cb, ok := evt.Data.(slack.InteractionCallback); ok {
			clicks <- cb
		}
		_ = sm.Ack(*evt.Request)
	})
	ch, ts, err := b.api.PostMessage("U1",
		slack.MsgOptionText("Approve?", false),
		slack.MsgOptionBlocks(
			slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "Approve the *review*?", false, false), nil, nil),
			slack.NewActionBlock("decide",
				slack.NewButtonBlockElement("approve", "r-42", slack.NewTextBlockObject(slack.PlainTextType, "Approve", false, false))),
		))
	if err != nil {
		t.Fatal(err)
	}
	if ch != "D1" {
		t.Errorf("channel = %q, want the DM channel D1", ch)
	}
	if _, err := s.ClickMessageButton(ctxT(t), "U1", ch, ts, "approve", ""); err != nil {
		t.Fatal(err)
	}
	cb := <-clicks
	if cb.Type != slack.InteractionTypeBlockActions || len(cb.ActionCallback.BlockActions) != 1 {
		t.Fatalf("callback = %+v", cb)
	}
	act := cb.ActionCallback.BlockActions[0]
	if act.ActionID != "approve" || act.BlockID != "decide" || act.Value != "r-42" ||
		cb.Container.MessageTs != ts || cb.Channel.ID != "D1" || cb.Message.Timestamp != ts {
		t.Errorf("action = %+v, container = %+v", act, cb.Container)
	}

	// Replace the original via response_url, then add an ephemeral note.
	if _, _, err := b.api.PostMessage("", slack.MsgOptionReplaceOriginal(cb.ResponseURL), slack.MsgOptionText("Approved ✅", false)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.api.PostMessage("", slack.MsgOptionResponseURL(cb.ResponseURL, slack.ResponseTypeEphemeral), slack.MsgOptionText("Noted", false)); err != nil {
		t.Fatal(err)
	}
	msgs, err := s.WaitMessages(ctxT(t), "U1", 2)
	if err != nil {
		t.Fatal(err)
	}
	if msgs[0].TS != ts || msgs[0].Text != "Approved ✅" || msgs[0].Updates != 1 {
		t.Errorf("original = %+v", msgs[0])
	}
	if msgs[1].Via != "response_url" || !msgs[1].Ephemeral || msgs[1].Text != "Noted" {
		t.Errorf("reply = %+v", msgs[1])
	}
	wantNoViolations(t, s)
}

func TestChatMethods(t *testing.T) {
	s := newEmu(t, Config{DisableRateLimits: true}) // 6 calls to C1 in a row would hit the per-channel limit
	s.AddUser(User{ID: "U1"})
	s.AddChannel("C1", "general")
	api := apiClient(s)

	if _, _, err := api.PostMessage("C404", slack.MsgOptionText("x", false)); slackErr(err) != "channel_not_found" {
		t.Errorf("unknown channel: %v", err)
	}
	if _, _, err := api.PostMessage("C1"); slackErr(err) != "no_text" {
		t.Errorf("no text: %v", err)
	}
	_, ts, err := api.PostMessage("C1", slack.MsgOptionText("v1", false))
	if err != nil {
		t.Fatal(err)
	}
	_, ts2, err := api.PostMessage("C1", slack.MsgOptionText("second", false))
	if err != nil || ts2 <= ts {
		t.Fatalf("ts %q then %q (%v)", ts, ts2, err)
	}
	if _, _, _, err := api.UpdateMessage("C1", ts, slack.MsgOptionText("v2", false)); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := api.UpdateMessage("C1", "1.000001", slack.MsgOptionText("v2", false)); slackErr(err) != "message_not_found" {
		t.Errorf("update unknown ts: %v", err)
	}
	if _, err := api.PostEphemeral("C1", "U1", slack.MsgOptionText("psst", false)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.DeleteMessage("C1", ts2); err != nil {
		t.Fatal(err)
	}
	got := s.MessagesTo("C1")
	if len(got) != 2 || got[0].Text != "v2" || got[1].Text != "psst" || !got[1].Ephemeral {
		t.Errorf("MessagesTo(C1) = %+v", got)
	}
	if u := s.MessagesTo("U1"); len(u) != 1 || u[0].Text != "psst" {
		t.Errorf("MessagesTo(U1) = %+v", u)
	}

	// Too many blocks.
	var blocks []slack.Block
	for i := 0; i < 51; i++ {
		blocks = append(blocks, slack.NewDividerBlock())
	}
	_, _, err = api.PostMessage("C1", slack.MsgOptionText("many", false), slack.MsgOptionBlocks(blocks...))
	if slackErr(err) != "invalid_blocks" {
		t.Errorf("51 blocks: err = %v", err)
	}
	wantViolation(t, s, "blocks.max_count")
}

func TestUsersAndConversations(t *testing.T) {
	s := newEmu(t, Config{})
	s.AddUser(User{ID: "U1", Email: "Alice@Example.com", TZ: "Europe/Paris"})
	s.AddUser(User{ID: "U2", Email: "bob@example.com", Deleted: true})
	api := apiClient(s)

	u, err := api.GetUserByEmail("alice@example.COM")
	if err != nil || u.ID != "U1" || u.Profile.Email != "Alice@Example.com" || u.TZ != "Europe/Paris" || (u.TZOffset != 3600 && u.TZOffset != 7200) {
		t.Errorf("lookupByEmail = %+v, %v", u, err)
	}
	if _, err := api.GetUserByEmail("nobody@example.com"); slackErr(err) != "users_not_found" {
		t.Errorf("missing email: %v", err)
	}
	if _, err := api.GetUserInfo("U404"); slackErr(err) != "user_not_found" {
		t.Errorf("missing user: %v", err)
	}
	if u, err := api.GetUserInfo("U2"); err != nil || !u.Deleted || u.TZ != "America/New_York" {
		t.Errorf("users.info = %+v, %v", u, err)
	}
	ch, _, _, err := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{"U1"}})
	if err != nil || ch.ID != "D1" {
		t.Errorf("conversations.open = %+v, %v", ch, err)
	}
	at, err := api.AuthTest()
	if err != nil || at.UserID != "U0BOT" || at.TeamID != "T0EMU" || at.BotID != "B0EMU" {
		t.Errorf("auth.test = %+v, %v", at, err)
	}
	if b, err := api.GetBotInfo(slack.GetBotInfoParameters{Bot: at.BotID}); err != nil || b.AppID != "A0EMU" || b.UserID != "U0BOT" {
		t.Errorf("bots.info = %+v, %v", b, err)
	}
	if _, err := api.GetBotInfo(slack.GetBotInfoParameters{Bot: "B0NONE"}); err == nil || err.Error() != "bot_not_found" {
		t.Errorf("bots.info of a stranger: %v", err)
	}

	s.SetDND("U1", true, time.Now().Add(time.Hour))
	dnd, err := api.GetDNDTeamInfo([]string{"U1", "U2"})
	if err != nil || !dnd["U1"].Enabled || dnd["U2"].Enabled || dnd["U2"].NextEndTimestamp != 1 {
		t.Errorf("dnd.teamInfo = %+v, %v", dnd, err)
	}
	many := make([]string, 51)
	for i := range many {
		many[i] = "U1"
	}
	if _, err := api.GetDNDTeamInfo(many); slackErr(err) != "too_many_users" {
		t.Errorf("51 users: %v", err)
	}
}

func TestUsersListPaging(t *testing.T) {
	s := newEmu(t, Config{OmitBuiltinUsers: true})
	users := make([]User, 2500)
	for i := range users {
		users[i] = User{ID: fmt.Sprintf("U%05d", i), Email: fmt.Sprintf("user%d@example.com", i)}
	}
	s.AddUsers(users)
	api := apiClient(s)

	p := api.GetUsersPaginated(slack.GetUsersOptionLimit(1000))
	var pages, total int
	var err error
	for {
		p, err = p.Next(ctxT(t))
		if p.Done(err) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pages++
		total += len(p.Users)
	}
	if pages != 3 || total != 2500 {
		t.Errorf("pages = %d, users = %d; want 3, 2500", pages, total)
	}
	if n := len(s.CallsTo("users.list")); n != 3 {
		t.Errorf("users.list called %d times", n)
	}

	// Builtin users are listed by default, and the bot is a bot.
	s2 := newEmu(t, Config{})
	all, err := apiClient(s2).GetUsers()
	if err != nil || len(all) != 2 || !all[0].IsBot || all[1].ID != "USLACKBOT" || all[1].IsBot {
		t.Errorf("default users = %+v, %v", all, err)
	}
}

// TestUsersListScales pages through 100,000 users (20,000 under the race
// detector) with raw HTTP calls, so that it measures the emulator rather
// than slack-go's decoding.
func TestUsersListScales(t *testing.T) {
	s := newEmu(t, Config{OmitBuiltinUsers: true, DisableRateLimits: true, Logf: func(string, ...any) {}})
	n := 100_000
	if raceEnabled {
		n = 20_000
	}
	users := make([]User, n)
	for i := range users {
		users[i] = User{ID: fmt.Sprintf("U%06d", i), Email: fmt.Sprintf("u%d@example.com", i), TZ: "Asia/Tokyo"}
	}
	start := time.Now()
	s.AddUsers(users)
	added := time.Since(start)
	total, pages, cursor := 0, 0, ""
	for {
		form := url.Values{"token": {s.BotToken()}, "limit": {"1000"}, "cursor": {cursor}}
		resp, err := http.PostForm(s.APIURL()+"users.list", form)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			OK       bool              `json:"ok"`
			Members  []json.RawMessage `json:"members"`
			Metadata struct {
				NextCursor string `json:"next_cursor"`
			} `json:"response_metadata"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		_ = resp.Body.Close()
		if err != nil || !page.OK {
			t.Fatalf("page %d: %v", pages, err)
		}
		pages++
		total += len(page.Members)
		if cursor = page.Metadata.NextCursor; cursor == "" {
			break
		}
	}
	if total != n || pages != n/1000 {
		t.Errorf("listed %d users in %d pages", total, pages)
	}
	t.Logf("added %d users in %v, listed them in %v", n, added, time.Since(start)-added)
}

func TestRateLimits(t *testing.T) {
	s := newEmu(t, Config{RateLimits: map[string]int{"auth.test": 2, "chat.postMessage": 600}})
	s.AddChannel("C1", "general")
	s.AddChannel("C2", "random")
	api := apiClient(s)

	for i := 0; i < 2; i++ {
		if _, err := api.AuthTest(); err != nil {
			t.Fatal(err)
		}
	}
	_, err := api.AuthTest()
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter < 59*time.Second || rl.RetryAfter > 60*time.Second {
		t.Fatalf("third auth.test: err = %v, want 429 with Retry-After ~60s", err)
	}
	calls := s.CallsTo("auth.test")
	if last := calls[len(calls)-1]; last.Status != http.StatusTooManyRequests || last.Error != "ratelimited" {
		t.Errorf("last call = %+v", last)
	}
	wantViolation(t, s, "auth.test rate limited")

	// Per channel: 5 messages in 5 seconds, then 429; another channel is fine.
	for i := 0; i < 5; i++ {
		if _, _, err := api.PostMessage("C1", slack.MsgOptionText("hi", false)); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err = api.PostMessage("C1", slack.MsgOptionText("hi", false))
	if !errors.As(err, &rl) || rl.RetryAfter > 5*time.Second {
		t.Errorf("6th message in C1: err = %v", err)
	}
	if _, _, err := api.PostMessage("C2", slack.MsgOptionText("hi", false)); err != nil {
		t.Errorf("C2: %v", err)
	}
	wantViolation(t, s, "per-channel limit")
}

func TestRateLimiterWindow(t *testing.T) {
	l := newRateLimiter(map[string]int{"m": 2, "chat.postMessage": 600})
	t0 := time.Unix(1700000000, 0)
	if ok, _, _ := l.allow("m", "", t0); !ok {
		t.Fatal("1st call refused")
	}
	if ok, _, _ := l.allow("m", "", t0.Add(10*time.Second)); !ok {
		t.Fatal("2nd call refused")
	}
	ok, retry, _ := l.allow("m", "", t0.Add(20*time.Second))
	if ok || retry != 40 {
		t.Errorf("3rd call: ok=%v retry=%d, want refused with 40s", ok, retry)
	}
	if ok, _, _ := l.allow("m", "", t0.Add(60*time.Second+time.Millisecond)); !ok {
		t.Error("call after the window refused")
	}
	if ok, _, _ := l.allow("unlimited", "", t0); !ok {
		t.Error("unlimited method refused")
	}
	for i := 0; i < 5; i++ {
		if ok, _, _ := l.allow("chat.postMessage", "C1", t0.Add(time.Duration(i)*100*time.Millisecond)); !ok {
			t.Fatalf("message %d refused", i)
		}
	}
	ok, retry, why := l.allow("chat.postMessage", "C1", t0.Add(time.Second))
	if ok || retry != 4 || why != "per-channel limit" {
		t.Errorf("6th message: ok=%v retry=%d why=%q", ok, retry, why)
	}
	// The peaks: "m" had 2 accepted within a minute (the refused call
	// does not count), chat.postMessage the 5 accepted.
	if l.peak["m"] != 2 || l.peak["chat.postMessage"] != 5 {
		t.Errorf("peaks = %v", l.peak)
	}
}

// TestPeakRates: the most calls accepted within any trailing minute, per
// method, whatever the window's position; 429s (injected or not) are not
// counted.
func TestPeakRates(t *testing.T) {
	l := newRateLimiter(map[string]int{"m": 10})
	t0 := time.Unix(1700000000, 0)
	for _, at := range []time.Duration{0, 30, 59, 61, 62, 130} { // seconds
		if ok, _, _ := l.allow("m", "", t0.Add(at*time.Second)); !ok {
			t.Fatalf("call at %ds refused", at)
		}
	}
	if l.peak["m"] != 4 {
		t.Errorf("peak = %d, want 4 (the calls at 30, 59, 61 and 62 s)", l.peak["m"])
	}

	s := newEmu(t, Config{RateLimits: map[string]int{"auth.test": 2}})
	api := slack.New(s.BotToken(), slack.OptionAPIURL(s.APIURL()))
	s.RateLimitNext("auth.test", 1, 1)
	for range 4 { // an injected 429, two accepted, one refused by the limit
		_, _ = api.AuthTest()
	}
	if got := s.PeakRates()["auth.test"]; got != 2 {
		t.Errorf("auth.test peak = %d, want the 2 accepted", got)
	}
	s.ResetViolations()
}

func TestInjectedFaults(t *testing.T) {
	s := newEmu(t, Config{})
	s.AddChannel("C1", "general")
	cfg := slack.DefaultRetryConfig()
	cfg.MaxRetries = 2
	cfg.BackoffInitial = 10 * time.Millisecond
	cfg.BackoffMax = 20 * time.Millisecond
	cfg.BackoffJitter = 0
	cfg.Handlers = []slack.RetryHandler{slack.NewServerErrorRetryHandler(cfg)}
	api := apiClient(s, slack.OptionRetryConfig(cfg))

	s.FailNext("chat.postMessage", 500, 1)
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("hi", false)); err != nil {
		t.Fatalf("with retries: %v", err)
	}
	calls := s.CallsTo("chat.postMessage")
	if len(calls) != 2 || calls[0].Status != 500 || calls[1].Status != 200 {
		t.Errorf("calls = %+v", calls)
	}

	plain := apiClient(s)
	s.FailNext("auth.test", 503, 1)
	var sc slack.StatusCodeError
	if _, err := plain.AuthTest(); !errors.As(err, &sc) || sc.Code != 503 {
		t.Errorf("injected 503: err = %v", err)
	}
	s.RateLimitNext("users.info", 7, 1)
	var rl *slack.RateLimitedError
	if _, err := plain.GetUserInfo("U0BOT"); !errors.As(err, &rl) || rl.RetryAfter != 7*time.Second {
		t.Errorf("injected 429: err = %v", err)
	}
	wantNoViolations(t, s)
	// Asking again before the Retry-After has run out is a violation.
	if _, err := plain.GetUserInfo("U0BOT"); err != nil {
		t.Fatal(err)
	}
	if v := s.Violations(); len(v) != 1 || !strings.Contains(v[0], "users.info called") || !strings.Contains(v[0], "before its Retry-After ran out") {
		t.Errorf("violations = %q", v)
	}
	s.ResetViolations()
}

// TestHeldReply: a held post takes effect at once, but its caller hears
// only after the hold, or never if it stops waiting; the queue holds in
// order.
func TestHeldReply(t *testing.T) {
	s := newEmu(t, Config{})
	s.AddChannel("C1", "general")
	api := apiClient(s)
	s.HoldReplyNext("chat.postMessage", 0, 1)
	s.HoldReplyNext("chat.postMessage", 300*time.Millisecond, 1)
	start := time.Now()
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("first", false)); err != nil || time.Since(start) > 200*time.Millisecond {
		t.Fatalf("first post: %v after %v", err, time.Since(start))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("second", false)); err == nil {
		t.Fatal("the held answer arrived within 100 ms")
	}
	if msgs := s.MessagesTo("C1"); len(msgs) != 2 || msgs[1].Text != "second" {
		t.Fatalf("the held post did not take effect: %+v", msgs)
	}
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("third", false)); err != nil {
		t.Fatalf("after the hold: %v", err)
	}
	wantNoViolations(t, s)
}

func TestTokensAndUnknownMethod(t *testing.T) {
	s := newEmu(t, Config{})
	bad := slack.New("xoxb-wrong", slack.OptionAPIURL(s.APIURL()))
	if _, err := bad.AuthTest(); slackErr(err) != "invalid_auth" {
		t.Errorf("bad token: %v", err)
	}
	appAsBot := slack.New(s.AppToken(), slack.OptionAPIURL(s.APIURL()))
	if _, err := appAsBot.AuthTest(); slackErr(err) != "not_allowed_token_type" {
		t.Errorf("app token on auth.test: %v", err)
	}
	botAsApp := slack.New(s.BotToken(), slack.OptionAppLevelToken(s.BotToken()), slack.OptionAPIURL(s.APIURL()))
	if _, _, err := botAsApp.StartSocketModeContext(ctxT(t)); slackErr(err) != "not_allowed_token_type" {
		t.Errorf("bot token on apps.connections.open: %v", err)
	}
	resp, err := http.Post(s.APIURL()+"chat.frobnicate", "application/x-www-form-urlencoded", strings.NewReader("token="+s.BotToken()))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if !strings.Contains(string(body), `"unknown_method"`) {
		t.Errorf("unknown method: %s", body)
	}
	for _, want := range []string{"invalid_auth", "not_allowed_token_type", "unknown method"} {
		wantViolation(t, s, want)
	}
}

func TestFileUpload(t *testing.T) {
	s := newEmu(t, Config{})
	s.AddUser(User{ID: "U1"})
	api := apiClient(s)
	content := "name,score\nalice,5\n"
	f, err := api.UploadFileContext(ctxT(t), slack.UploadFileParameters{
		Filename: "report.csv", FileSize: len(content), Content: content,
		Channel: "D1", InitialComment: "Your report", Title: "Q3 report",
	})
	if err != nil {
		t.Fatal(err)
	}
	files := s.Files()
	if len(files) != 1 || files[0].ID != f.ID || string(files[0].Data) != content || files[0].Title != "Q3 report" || files[0].Channel != "D1" {
		t.Errorf("files = %+v", files)
	}
	msgs := s.MessagesTo("U1")
	if len(msgs) != 1 || msgs[0].Text != "Your report" || len(msgs[0].Files) != 1 {
		t.Errorf("messages = %+v", msgs)
	}
	wantNoViolations(t, s)
}

func TestInitialValuesAndFill(t *testing.T) {
	raw := `{"id":"V1","blocks":[
		{"type":"input","block_id":"b1","label":{"type":"plain_text","text":"T"},"element":{"type":"plain_text_input","action_id":"a1","initial_value":"hello"}},
		{"type":"input","block_id":"b2","label":{"type":"plain_text","text":"S"},"element":{"type":"static_select","action_id":"a2",
			"options":[{"text":{"type":"plain_text","text":"One"},"value":"1"},{"text":{"type":"plain_text","text":"Two"},"value":"2"}],
			"initial_option":{"text":{"type":"plain_text","text":"Two"},"value":"2"}}},
		{"type":"input","block_id":"b3","label":{"type":"plain_text","text":"D"},"element":{"type":"datepicker","action_id":"a3","initial_date":"2024-05-01"}},
		{"type":"input","block_id":"b4","label":{"type":"plain_text","text":"C"},"element":{"type":"checkboxes","action_id":"a4",
			"options":[{"text":{"type":"mrkdwn","text":"*x*"},"value":"x"},{"text":{"type":"plain_text","text":"y"},"value":"y"}]}},
		{"type":"actions","block_id":"b5","elements":[{"type":"button","action_id":"go","text":{"type":"plain_text","text":"Go"}}]}
	]}`
	v := &View{ID: "V1", Raw: json.RawMessage(raw)}
	vals := InitialValues(v)
	if vals["b1"]["a1"].Value != "hello" || vals["b2"]["a2"].SelectedOption.Value != "2" ||
		vals["b3"]["a3"].SelectedDate != "2024-05-01" || len(vals["b4"]["a4"].SelectedOptions) != 0 {
		t.Errorf("InitialValues = %+v", vals)
	}
	if _, ok := vals["b5"]; ok {
		t.Error("buttons have no state")
	}
	if err := v.Fill(vals, "a4", "x", "y"); err != nil || len(vals["b4"]["a4"].SelectedOptions) != 2 {
		t.Errorf("Fill checkboxes: %v %+v", err, vals["b4"])
	}
	if err := v.Fill(vals, "a2", "3"); err == nil {
		t.Error("Fill with an unknown option succeeded")
	}
	if err := v.Fill(vals, "missing", "x"); err == nil {
		t.Error("Fill of a missing element succeeded")
	}
	if got := v.BlockIDOf("go"); got != "b5" {
		t.Errorf("BlockIDOf = %q", got)
	}
	st := stateJSON(vals, nil)
	b, _ := json.Marshal(st["b1"])
	if string(b) != `{"a1":{"type":"plain_text_input","value":"hello"}}` {
		t.Errorf("state JSON = %s", b)
	}
}

func TestControlAPI(t *testing.T) {
	s := newEmu(t, Config{})
	startBot(t, s, func(sm *socketmode.Client, evt socketmode.Event) {
		_ = sm.Ack(*evt.Request, map[string]any{"text": "pong"})
	})
	post := func(path, body string) (int, string) {
		resp, err := http.Post(s.URL()+"/_emu/"+path, "application/json", bytes.NewBufferString(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post("users", `[{"id":"U9","email":"nine@example.com"}]`); code != 200 {
		t.Fatalf("users: %d %s", code, body)
	}
	code, body := post("command", `{"user":"U9","command":"/ping","text":""}`)
	if code != 200 || !strings.Contains(body, `"pong"`) {
		t.Errorf("command: %d %s", code, body)
	}
	resp, err := http.Get(s.URL() + "/_emu/messages?to=U9")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if !strings.Contains(string(b), `"pong"`) {
		t.Errorf("messages: %s", b)
	}
	if code, _ := post("command", `{"user":"U404","command":"/ping"}`); code != http.StatusUnprocessableEntity {
		t.Errorf("unknown user: %d", code)
	}
}

func TestCloseLeavesNoGoroutines(t *testing.T) {
	s := New(Config{PingInterval: 20 * time.Millisecond})
	s.AddUser(User{ID: "U1"})
	api := apiClient(s)
	sm := socketmode.New(api)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = sm.RunContext(ctx) })
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case evt := <-sm.Events:
				if evt.Request != nil && evt.Type != socketmode.EventTypeHello {
					_ = sm.Ack(*evt.Request)
				}
			}
		}
	})
	if err := s.WaitConnected(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SlashCommand(ctxT(t), "U1", "/x", ""); err != nil {
		t.Fatal(err)
	}
	s.RequestDisconnect("warning") // leaves a grace timer goroutine behind
	s.Close()
	cancel()
	wg.Wait()

	deadline := time.Now().Add(2 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		if !strings.Contains(stacks, "internal/slackemu.(*Server)") && !strings.Contains(stacks, "internal/slackemu.(*wsConn)") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("emulator goroutines left after Close:\n%s", stacks)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
