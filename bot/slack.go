package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"golang.org/x/time/rate"
)

// Slack is the part of the Slack Web API that handlers use. *API
// implements it; tests may use a fake.
type Slack interface {
	OpenViewContext(ctx context.Context, triggerID string, view slack.ModalViewRequest) (*slack.ViewResponse, error)
	PushViewContext(ctx context.Context, triggerID string, view slack.ModalViewRequest) (*slack.ViewResponse, error)
	UpdateViewContext(ctx context.Context, view slack.ModalViewRequest, externalID, hash, viewID string) (*slack.ViewResponse, error)
	PublishViewContext(ctx context.Context, req slack.PublishViewContextRequest) (*slack.ViewResponse, error)
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	// UploadFile shares a file in a channel (C…, G…), or in a user's
	// direct message with the app.
	UploadFile(ctx context.Context, to string, f File) error
}

// File is a file to share.
type File struct {
	Name    string // e.g. "compliance-FY2027.csv"
	Title   string
	Comment string // the message it comes with
	Data    []byte
}

// Method describes a Web API method the application calls: its rate-limit
// tier and the bot scopes it needs. The manifest test checks that the
// manifest declares every scope listed here.
type Method struct {
	Tier   int      // Slack's tier 1–4; 0 for the "special" chat.* limits
	Scopes []string // bot scopes; apps.connections.open uses the app-level token instead
}

// Methods is every Web API method the application calls.
var Methods = map[string]Method{
	"apps.connections.open": {Tier: 1},
	"auth.test":             {Tier: 4},
	"chat.postMessage":      {Tier: 0, Scopes: []string{"chat:write"}},
	"views.open":            {Tier: 4},
	"views.push":            {Tier: 4},
	"views.update":          {Tier: 4},
	"views.publish":         {Tier: 4},
	"users.list":            {Tier: 2, Scopes: []string{"users:read", "users:read.email"}},
	"users.lookupByEmail":   {Tier: 3, Scopes: []string{"users:read.email"}},
	// Files (HR's exports) go to the HR user's DM with the app, which
	// conversations.open finds.
	"conversations.open":           {Tier: 3, Scopes: []string{"im:write"}},
	"files.getUploadURLExternal":   {Tier: 4, Scopes: []string{"files:write"}},
	"files.completeUploadExternal": {Tier: 3, Scopes: []string{"files:write"}},
	// After a crash between posting a notification and recording it, the
	// DM's recent history says whether it went out.
	"conversations.history": {Tier: 3, Scopes: []string{"im:history", "channels:history", "groups:history"}},
	// HR's channel must be private, with the app in it, before the digest
	// (which names people) goes there.
	"conversations.info": {Tier: 3, Scopes: []string{"channels:read", "groups:read"}},
	// Do Not Disturb, checked only for people about to be nudged, 50 a call.
	"dnd.teamInfo": {Tier: 2, Scopes: []string{"dnd:read"}},
	// Which app a bot token belongs to: a database serves one app.
	"bots.info": {Tier: 3, Scopes: []string{"users:read"}},
}

// ErrNotSent wraps the error of a call that was never sent: its wait for
// the budget ended (the caller's context, say). Slack did nothing.
var ErrNotSent = errors.New("the call was not sent to Slack")

// dndBatch is how many users one dnd.teamInfo call asks about.
const dndBatch = 50

// tierLimits are how often we call a method of each tier, and the burst
// after a quiet spell. Slack counts calls per trailing minute, so the
// burst plus a minute's calls stays within its figure: Tier 2 is 20+ a
// minute, Tier 3 50+, Tier 4 100+.
//
// Tier 2 (users.list, which a roster import reads a page at a time, and
// dnd.teamInfo) runs as close to Slack's 20 a minute as is safe: a call
// every 3.1 s and no burst. A generic cell rate algorithm with burst b and
// a call every T lets at most b + ⌊60 s / T⌋ calls into any minute: 1 + 19
// = 20 here, where a burst of 2 would make 21. A call and the 20th after
// it are 62 s apart, so a trailing minute never holds 21 even when Slack
// counts the earlier one up to 2 s later than the later one: a whole
// second of timestamp rounding on Slack's side, plus a second between two
// calls' ways there (the budget's commit in the database, a new TLS
// connection, a busy network). A call every 3.0 s would leave no margin:
// the 21st would land exactly a minute after the first.
var tierLimits = map[int]struct {
	every time.Duration
	burst int
}{
	1: {time.Minute, 1},
	2: {3100 * time.Millisecond, 1},
	3: {time.Minute / 45, 5},
	4: {time.Minute / 50, 50},  // views.update and views.publish; views.open and views.push, whose trigger_ids live 3 s, are not paced
	0: {time.Minute / 300, 10}, // chat.*: several hundred a minute across the workspace
}

// perChannel is how often we post to one channel: Slack allows about one
// message a second per channel.
const perChannel = 0.9

// API is the rate-limited Slack Web API client: every call waits for its
// method's budget first, and posts also for their channel's. slack-go's
// own retries handle the 429s and 5xx that happen anyway.
//
// Built with NewPacedAPI, the methods' budgets are the workspace's, kept
// by a Pacer in the client's transport and shared by every process that
// shares its Budget; only views.open and views.push, whose trigger_id
// lives 3 s, and the per-channel pace stay in the process. Built with
// NewAPI, every budget is the process's own.
type API struct {
	*slack.Client
	mu       sync.Mutex
	methods  map[string]*rate.Limiter
	channels map[string]*rate.Limiter
	pacer    *Pacer // nil: the process's own limiters
	// rehearsal, in a rehearsal deployment, marks every view, message and
	// file comment with the rehearsal's date.
	rehearsal *Rehearsal
}

// SetRehearsal makes every view, message and file comment carry r's
// banner from now on.
func (a *API) SetRehearsal(r *Rehearsal) { a.rehearsal = r }

// Mark returns m as the app shows it: in a rehearsal, with the banner
// dated at (now, when at is zero).
func (a *API) Mark(at time.Time, m Message) Message { return a.rehearsal.Message(at, m) }

// NewAPI wraps a slack-go client, with budgets of the process's own.
func NewAPI(c *slack.Client) *API {
	a := &API{Client: c, methods: map[string]*rate.Limiter{}, channels: map[string]*rate.Limiter{}}
	for name, m := range Methods {
		l := tierLimits[m.Tier]
		a.methods[name] = rate.NewLimiter(rate.Every(l.every), l.burst)
	}
	return a
}

// callTimeout bounds one Web API call once it is sent (the wait for its
// budget before is not counted).
const callTimeout = 30 * time.Second

// NewPacedAPI returns a client for token whose calls are paced by p (see
// API), through next (nil: http.DefaultTransport). opts come after the
// HTTP client's, so a retry option wraps it.
func NewPacedAPI(token string, p *Pacer, next http.RoundTripper, opts ...slack.Option) *API {
	hc := &http.Client{Transport: p.Transport(timeoutTransport(next))}
	a := NewAPI(slack.New(token, append([]slack.Option{slack.OptionHTTPClient(hc)}, opts...)...))
	a.pacer = p
	return a
}

// Transport carries the app's calls to Slack (the Web API, response_urls)
// when no other is given. It is Go's default transport but for the idle
// connections it keeps to one host: the default keeps two, so a crowd
// opening forms at once had every call but two dial a new connection (a
// TLS handshake, at Slack) and close it after; this keeps up to 64.
var Transport http.RoundTripper = func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return t
}()

// timeoutTransport bounds each call made through next by callTimeout,
// from the moment it is sent until its answer has been read.
func timeoutTransport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = Transport
	}
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		ctx, cancel := context.WithTimeout(r.Context(), callTimeout)
		resp, err := next.RoundTrip(r.WithContext(ctx))
		if err != nil {
			cancel()
			return nil, err
		}
		resp.Body = cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
		return resp, nil
	})
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// Wait blocks until a call to method is within the process's own budget.
// A method the workspace's budget paces waits in the transport instead,
// once per attempt.
func (a *API) Wait(ctx context.Context, method string) error {
	if a.pacer != nil && a.pacer.paces(method) || triggerBound(method) {
		return nil
	}
	l, ok := a.methods[method]
	if !ok {
		return nil
	}
	return l.Wait(ctx)
}

// Ready waits until the workspace's budget would let a call to method
// go, without taking it (see Pacer.Ready). With budgets of the process's
// own it returns at once: Wait does the waiting.
func (a *API) Ready(ctx context.Context, method string) error {
	if a.pacer == nil {
		return ctx.Err()
	}
	return a.pacer.Ready(ctx, method)
}

func (a *API) waitChannel(ctx context.Context, channel string) error {
	a.mu.Lock()
	l, ok := a.channels[channel]
	if !ok {
		l = rate.NewLimiter(perChannel, 1)
		a.channels[channel] = l
		if len(a.channels) > 10000 {
			a.forgetIdleChannels()
		}
	}
	a.mu.Unlock()
	return l.Wait(ctx)
}

// forgetIdleChannels drops limiters that are full again, so the map does
// not grow with every person ever messaged. Called with a.mu held.
func (a *API) forgetIdleChannels() {
	now := time.Now()
	for ch, l := range a.channels {
		if l.TokensAt(now) >= 1 {
			delete(a.channels, ch)
		}
	}
}

// OpenViewContext calls views.open, at once: its trigger_id lives 3
// seconds, so it never waits in a budget of ours (Slack's Tier 4 takes
// bursts), and a 429 is retried only while the trigger lives (see
// WithinDeadline); after that the caller gets the *slack.RateLimitedError,
// with Slack's Retry-After, to tell the person when to try again.
func (a *API) OpenViewContext(ctx context.Context, triggerID string, view slack.ModalViewRequest) (*slack.ViewResponse, error) {
	view.Blocks = a.rehearsal.view(view.Blocks)
	return a.Client.OpenViewContext(ctx, triggerID, view)
}

// PushViewContext calls views.push, at once, as OpenViewContext does.
func (a *API) PushViewContext(ctx context.Context, triggerID string, view slack.ModalViewRequest) (*slack.ViewResponse, error) {
	view.Blocks = a.rehearsal.view(view.Blocks)
	return a.Client.PushViewContext(ctx, triggerID, view)
}

// triggerBound reports whether a method's calls carry a trigger_id, which
// lives 3 seconds: they are never held back by a budget of ours.
func triggerBound(method string) bool { return method == "views.open" || method == "views.push" }

// WithinDeadline wraps slack-go's retry handlers so that a call is not
// retried when the wait before the retry would end after its context's
// deadline: the caller gets Slack's answer (a 429 with its Retry-After, a
// 5xx) while it can still use it, rather than a deadline error after a
// wait that could not succeed. A views.open whose trigger_id dies in 3
// seconds is the case in point.
func WithinDeadline(hs []slack.RetryHandler) []slack.RetryHandler {
	out := make([]slack.RetryHandler, len(hs))
	for i, h := range hs {
		out[i] = withinDeadline{h}
	}
	return out
}

type withinDeadline struct{ slack.RetryHandler }

func (w withinDeadline) ShouldRetry(state *slack.RetryState, req *http.Request, resp *http.Response, err error) (bool, time.Duration) {
	retry, wait := w.RetryHandler.ShouldRetry(state, req, resp, err)
	if deadline, ok := req.Context().Deadline(); retry && ok && time.Now().Add(wait).After(deadline) {
		return false, 0
	}
	return retry, wait
}

// UpdateViewContext calls views.update.
func (a *API) UpdateViewContext(ctx context.Context, view slack.ModalViewRequest, externalID, hash, viewID string) (*slack.ViewResponse, error) {
	if err := a.Wait(ctx, "views.update"); err != nil {
		return nil, err
	}
	view.Blocks = a.rehearsal.view(view.Blocks)
	return a.Client.UpdateViewContext(ctx, view, externalID, hash, viewID)
}

// PublishViewContext calls views.publish.
func (a *API) PublishViewContext(ctx context.Context, req slack.PublishViewContextRequest) (*slack.ViewResponse, error) {
	if err := a.Wait(ctx, "views.publish"); err != nil {
		return nil, err
	}
	req.View.Blocks = a.rehearsal.view(req.View.Blocks)
	return a.Client.PublishViewContext(ctx, req)
}

// PostMessageContext calls chat.postMessage.
func (a *API) PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error) {
	if err := a.Wait(ctx, "chat.postMessage"); err != nil {
		return "", "", err
	}
	if err := a.waitChannel(ctx, channelID); err != nil {
		return "", "", err
	}
	return a.Client.PostMessageContext(ctx, channelID, options...)
}

// UploadFile shares f in a channel (C…, G…) or, for a user ID, in their
// DM with the app (found with conversations.open), through
// files.getUploadURLExternal, the upload URL and
// files.completeUploadExternal.
func (a *API) UploadFile(ctx context.Context, to string, f File) error {
	return a.ShareFile(ctx, to, f, nil)
}

// ShareFile is UploadFile, calling start (when not nil) once the file is
// uploaded and Slack's budget would let the share go, right before the
// share itself (files.completeUploadExternal), which is the only step
// that shows anything to anyone. An error from start stops it there:
// nothing was shared.
func (a *API) ShareFile(ctx context.Context, to string, f File, start func() error) error {
	channel := to
	if strings.HasPrefix(to, "U") || strings.HasPrefix(to, "W") {
		if err := a.Wait(ctx, "conversations.open"); err != nil {
			return err
		}
		ch, _, _, err := a.Client.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{to}})
		if err != nil {
			return err
		}
		channel = ch.ID
	}
	if err := a.Wait(ctx, "files.getUploadURLExternal"); err != nil {
		return err
	}
	u, err := a.Client.GetUploadURLExternalContext(ctx, slack.GetUploadURLExternalParameters{FileName: f.Name, FileSize: len(f.Data)})
	if err != nil {
		return fmt.Errorf("files.getUploadURLExternal: %w", err)
	}
	if err := a.Client.UploadToURL(ctx, slack.UploadToURLParameters{UploadURL: u.UploadURL, Reader: bytes.NewReader(f.Data), Filename: f.Name}); err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	if err := a.Wait(ctx, "files.completeUploadExternal"); err != nil {
		return err
	}
	if err := a.Ready(ctx, "files.completeUploadExternal"); err != nil {
		return err
	}
	if start != nil {
		if err := start(); err != nil {
			return err
		}
	}
	c, err := a.Client.CompleteUploadExternalContext(ctx, slack.CompleteUploadExternalParameters{
		Files: []slack.FileSummary{{ID: u.FileID, Title: f.Title}}, Channel: channel, InitialComment: a.rehearsal.comment(f.Comment),
	})
	if err != nil {
		return fmt.Errorf("files.completeUploadExternal: %w", err)
	}
	if len(c.Files) != 1 {
		return fmt.Errorf("files.completeUploadExternal: %d files shared, want 1", len(c.Files))
	}
	return nil
}

// DNDOn returns which of these users have Do Not Disturb on at this
// moment (snoozed, or inside their schedule), asking dnd.teamInfo about 50
// at a time. Slack reports real instants, so this compares them with the
// real time, not the program's clock.
func (a *API) DNDOn(ctx context.Context, userIDs []string) (map[string]bool, error) {
	on := map[string]bool{}
	for lo := 0; lo < len(userIDs); lo += dndBatch {
		if err := a.Wait(ctx, "dnd.teamInfo"); err != nil {
			return on, err
		}
		statuses, err := a.Client.GetDNDTeamInfoContext(ctx, userIDs[lo:min(lo+dndBatch, len(userIDs))])
		if err != nil {
			return on, err
		}
		now := time.Now().Unix()
		for id, st := range statuses {
			snoozed := st.SnoozeEnabled && int64(st.SnoozeEndTime) > now
			scheduled := st.Enabled && int64(st.NextStartTimestamp) <= now && now < int64(st.NextEndTimestamp)
			if snoozed || scheduled {
				on[id] = true
			}
		}
	}
	return on, nil
}

// FindNotification looks in the recent history of the recipient's DM with
// the app (or of the channel) for a message carrying key in its metadata
// (see scheduler.MetadataEventType), posted since since. It is how a
// delivery that may have gone out before a crash is recognised.
func (a *API) FindNotification(ctx context.Context, recipient, eventType, key string, since time.Time) (channel, ts string, found bool, err error) {
	since = a.rehearsal.realTime(since)
	channel = recipient
	if strings.HasPrefix(recipient, "U") || strings.HasPrefix(recipient, "W") {
		if err := a.Wait(ctx, "conversations.open"); err != nil {
			return "", "", false, err
		}
		ch, _, _, err := a.Client.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{recipient}})
		if err != nil {
			return "", "", false, err
		}
		channel = ch.ID
	}
	if err := a.Wait(ctx, "conversations.history"); err != nil {
		return "", "", false, err
	}
	h, err := a.Client.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
		ChannelID: channel, Oldest: strconv.FormatInt(since.Add(-time.Minute).Unix(), 10), Limit: 100, IncludeAllMetadata: true,
	})
	if err != nil {
		return "", "", false, err
	}
	for _, m := range h.Messages {
		if m.Metadata.EventType == eventType && fmt.Sprint(m.Metadata.EventPayload["key"]) == key {
			return channel, m.Timestamp, true, nil
		}
	}
	return channel, "", false, nil
}

// GetUserByEmailContext calls users.lookupByEmail.
func (a *API) GetUserByEmailContext(ctx context.Context, email string) (*slack.User, error) {
	if err := a.Wait(ctx, "users.lookupByEmail"); err != nil {
		return nil, err
	}
	return a.Client.GetUserByEmailContext(ctx, email)
}

// AuthTestContext calls auth.test.
func (a *API) AuthTestContext(ctx context.Context) (*slack.AuthTestResponse, error) {
	if err := a.Wait(ctx, "auth.test"); err != nil {
		return nil, err
	}
	return a.Client.AuthTestContext(ctx)
}

// Identity is which Slack app a bot token belongs to, and in which
// workspace.
type Identity struct {
	AppID  string // A…, shown on the app's Basic Information page
	TeamID string // T…, the workspace
}

// Identity asks Slack which app and workspace the bot token is for:
// auth.test names the workspace and the app's bot, bots.info the bot's
// app. (auth.test names no app; the app ID is what Slack hands envelopes
// out by, and what the Socket Mode hello names.)
func (a *API) Identity(ctx context.Context) (Identity, error) {
	at, err := a.AuthTestContext(ctx)
	if err != nil {
		return Identity{}, err
	}
	if err := a.Wait(ctx, "bots.info"); err != nil {
		return Identity{}, err
	}
	b, err := a.Client.GetBotInfoContext(ctx, slack.GetBotInfoParameters{Bot: at.BotID})
	if err != nil {
		return Identity{}, fmt.Errorf("bots.info: %w", err)
	}
	if b.AppID == "" || at.TeamID == "" {
		return Identity{}, fmt.Errorf("slack named no app (%q) or no workspace (%q) for the bot token", b.AppID, at.TeamID)
	}
	return Identity{AppID: b.AppID, TeamID: at.TeamID}, nil
}

// ForEachUser pages through users.list, up to 1,000 users a call, handing
// each page to fn.
func (a *API) ForEachUser(ctx context.Context, fn func([]slack.User) error) error {
	p := a.Client.GetUsersPaginated(slack.GetUsersOptionLimit(1000), slack.GetUsersOptionIncludeLocale(false))
	for {
		if err := a.Wait(ctx, "users.list"); err != nil {
			return err
		}
		next, err := p.Next(ctx)
		if p.Done(err) {
			return nil
		}
		if rl, ok := errors.AsType[*slack.RateLimitedError](err); ok {
			// slack-go's own retries gave up; wait as told and ask again.
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(rl.RetryAfter):
				continue
			}
		}
		if err != nil {
			return err
		}
		p = next
		if err := fn(p.Users); err != nil {
			return err
		}
	}
}

var _ Slack = (*API)(nil)
