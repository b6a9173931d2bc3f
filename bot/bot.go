package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/massperform/massperform/review"
)

// Timing of handlers.
const (
	// AckBudget is how long a handler whose ack carries its answer (a
	// modal submission) may take before the bot acks without it. Slack
	// gives up on an envelope after 3 seconds.
	AckBudget = 2500 * time.Millisecond
	// CommandAckBudget is how long a slash command's answer may take to
	// ride on its ack. A command whose answer takes longer is acked then,
	// and its answer follows through the response_url (a form opens with
	// its own call), so Slack hears back at once even when the database is
	// busy.
	CommandAckBudget = 5 * time.Millisecond
	// SubmitBudget is how long a modal submission may spend deciding its
	// answer (checking, saving). Its context ends then, so a save that
	// cannot finish in time is abandoned, not completed after the user was
	// told it failed.
	SubmitBudget = 2200 * time.Millisecond
	// HandlerTimeout bounds all of a handler's work, after the ack too.
	HandlerTimeout = 30 * time.Second
	// ShutdownGrace is how long Run waits for handlers still running when
	// it is asked to stop.
	ShutdownGrace = 10 * time.Second
)

// Apology is what users see when a handler fails unexpectedly.
const Apology = "Sorry, something went wrong on our side and that didn't finish. Please try again in a minute; if it keeps happening, let HR know."

// Bot runs the Socket Mode connection, or takes Slack's requests over HTTP
// (RequestURLs), and dispatches what arrives.
type Bot struct {
	api    *API
	sm     *socketmode.Client
	router *Router
	log    *slog.Logger
	http   *http.Client

	readyOnce sync.Once
	ready     chan struct{}
	wg        sync.WaitGroup
	// base is the parent of every handler's context: not the context Run
	// gets, so that stopping lets handlers finish, but cancelled once the
	// grace for finishing is over.
	base       context.Context
	cancelBase context.CancelFunc

	obs       Observer
	connected atomic.Bool
	seen      recent
	claim     Claim
	hello     func(Hello) error
	helloed   bool  // a hello came on this Run
	refused   error // what the hello check said; Run stops with it

	// In http mode (RequestURLs), Slack's requests come to an HTTP
	// handler instead of a Socket Mode connection.
	overHTTP   bool
	signatures recent       // signatures of requests taken, to refuse replays
	closing    sync.RWMutex // held to route a request; locked to stop taking them
	stopped    bool         // no more requests: Run is stopping
}

// Hello is what Slack says when a Socket Mode connection opens.
type Hello struct {
	AppID       string // the app the app-level token belongs to ("" if Slack did not say)
	Connections int    // how many connections the app has open, this one included
	// First is set on the first connection of this Run. On a later one
	// Slack may still count the connection the bot just left (it asked
	// for a refresh, or the network failed).
	First bool
}

// CheckHello makes every hello (the first connection and each reconnection)
// pass check before the bot takes envelopes on it. An error stops Run,
// which returns it: nothing that came on that connection is acked, so
// Slack gives it to another. Call it before Run.
func (b *Bot) CheckHello(check func(Hello) error) { b.hello = check }

// Observer hears what the bot does, for metrics.
type Observer interface {
	Envelope(typ string)               // an envelope arrived
	Acked(typ string, d time.Duration) // and was acked d after it arrived
	HandlerFailed(handler string)      // a handler failed on our side
	HandlerPanicked(handler string)    // a handler panicked
}

type nopObserver struct{}

func (nopObserver) Envelope(string)             {}
func (nopObserver) Acked(string, time.Duration) {}
func (nopObserver) HandlerFailed(string)        {}
func (nopObserver) HandlerPanicked(string)      {}

// Observe tells o what the bot does from now on. Call it before Run.
func (b *Bot) Observe(o Observer) { b.obs = o }

// Connected reports whether the Socket Mode connection is up: Slack has
// said hello and not asked us to go since. In http mode, whether Run is
// taking requests.
func (b *Bot) Connected() bool { return b.connected.Load() }

// New returns a bot that talks to Slack through api (whose client must
// carry the app-level token) and dispatches to router.
func New(api *API, router *Router, log *slog.Logger) *Bot {
	base, cancel := context.WithCancel(context.Background())
	return &Bot{
		api:        api,
		sm:         socketmode.New(api.Client, socketmode.OptionLog(slogLogger{log})),
		router:     router,
		log:        log,
		http:       &http.Client{Timeout: 10 * time.Second, Transport: Transport},
		ready:      make(chan struct{}),
		base:       base,
		cancelBase: cancel,
		obs:        nopObserver{},
	}
}

// Ready is closed once Slack has said hello on the first connection.
func (b *Bot) Ready() <-chan struct{} { return b.ready }

// Run connects and dispatches until ctx ends, then waits (a bounded time)
// for handlers still running. It returns early if Slack refuses the app's
// credentials.
func (b *Bot) Run(ctx context.Context) error {
	if b.overHTTP {
		return b.serveRequests(ctx)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- b.sm.RunContext(runCtx) }()
	for {
		select {
		case <-ctx.Done():
			b.connected.Store(false) // not ready: we take no more envelopes
			cancel()
			b.drain()
			return nil
		case err := <-errc:
			if errors.Is(err, context.Canceled) {
				continue
			}
			b.drain()
			return fmt.Errorf("socket mode: %w", err)
		case evt := <-b.sm.Events:
			b.dispatch(evt)
			if b.refused != nil {
				cancel()
				b.drain()
				return b.refused
			}
		}
	}
}

// drain waits for running handlers, up to ShutdownGrace; then it cancels
// the stragglers and gives them a moment to notice, so that none of them
// is still at work when the caller closes the database.
func (b *Bot) drain() {
	done := make(chan struct{})
	go func() { b.wg.Wait(); close(done) }()
	select {
	case <-done:
		return
	case <-time.After(ShutdownGrace):
	}
	b.log.Warn("cancelling handlers still running after the shutdown grace")
	b.cancelBase()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		b.log.Error("handlers did not stop after being cancelled")
	}
}

func (b *Bot) dispatch(evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		b.connected.Store(false)
		b.log.Debug("connecting to Slack")
	case socketmode.EventTypeConnected:
		b.log.Info("connected to Slack")
	case socketmode.EventTypeHello:
		if b.hello != nil && evt.Request != nil {
			h := Hello{AppID: evt.Request.ConnectionInfo.AppID, Connections: evt.Request.NumConnections, First: !b.helloed}
			b.helloed = true
			if err := b.hello(h); err != nil {
				b.refused = err
				return
			}
		}
		b.connected.Store(true)
		b.readyOnce.Do(func() { close(b.ready) })
	case socketmode.EventTypeConnectionError:
		b.connected.Store(false)
		b.log.Warn("could not connect to Slack; retrying", "err", evt.Data)
	case socketmode.EventTypeInvalidAuth:
		b.log.Error("Slack refused the app-level token")
	case socketmode.EventTypeDisconnect:
		b.connected.Store(false)
		b.log.Info("Slack asked us to reconnect")
	case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorBadMessage, socketmode.EventTypeErrorWriteFailed:
		b.log.Warn("socket mode problem", "type", string(evt.Type))
	case socketmode.EventTypeSlashCommand, socketmode.EventTypeInteractive, socketmode.EventTypeEventsAPI:
		env := b.newEnvelope(evt.Request)
		if evt.Request != nil && evt.Request.EnvelopeID != "" {
			if prev, first := b.seen.firstWith("envelope:"+evt.Request.EnvelopeID, env.state); !first {
				b.log.Info("envelope delivered twice; dropped", "type", string(evt.Type))
				b.again(evt.Request, prev) // envelope ids are always kept with their state
				return
			}
		}
		b.obs.Envelope(string(evt.Type))
		b.route(evt, env)
	}
}

// route dispatches an envelope seen for the first time.
func (b *Bot) route(evt socketmode.Event, env *envelope) {
	switch evt.Type {
	case socketmode.EventTypeSlashCommand:
		cmd, _ := evt.Data.(slack.SlashCommand)
		b.onCommand(env, cmd)
	case socketmode.EventTypeInteractive:
		cb, _ := evt.Data.(slack.InteractionCallback)
		b.onInteraction(env, cb)
	case socketmode.EventTypeEventsAPI:
		ev, _ := evt.Data.(slackevents.EventsAPIEvent)
		b.onEvent(env, ev)
	}
}

func (b *Bot) onCommand(env *envelope, cmd slack.SlashCommand) {
	if cmd.Command != b.router.slash {
		env.ack(ephemeral(Message{Text: fmt.Sprintf("This app only answers %s.", b.router.slash)}))
		return
	}
	name, rest := ParseCommand(cmd.Text)
	spec, unknown := b.router.command(name)
	fn := spec.Handle
	c := &Command{SlashCommand: cmd, Name: name, Rest: rest, Unknown: unknown, env: env}
	if spec.OpensForm {
		env.ack(nil)
	}
	logName := "command:" + name
	if unknown {
		logName = "command:unknown" // what people type stays out of the logs
	}
	b.handle(env, logName, cmd.UserID, nil, CommandAckBudget, func(ctx context.Context) { fn(ctx, c) },
		func(ctx context.Context) { c.Reply(ctx, Message{Text: Apology}) })
}

func (b *Bot) onInteraction(env *envelope, cb slack.InteractionCallback) {
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		env.ack(nil)
		for _, act := range cb.ActionCallback.BlockActions {
			fn, ok := b.router.actions[act.ActionID]
			if !ok {
				b.log.Warn("no handler for action", "action_id", act.ActionID)
				continue
			}
			a := &Action{InteractionCallback: cb, Action: act, bot: b, received: env.received}
			b.handle(env, "action:"+act.ActionID, cb.User.ID, nil, AckBudget, func(ctx context.Context) { fn(ctx, a) },
				func(ctx context.Context) { a.Reply(ctx, Message{Text: Apology}) })
		}
	case slack.InteractionTypeViewSubmission:
		fn, ok := b.router.submits[cb.View.CallbackID]
		if !ok {
			b.log.Warn("no handler for modal", "callback_id", cb.View.CallbackID)
			env.ack(viewError(cb.View, "This form is no longer supported. Please close it and start again."))
			return
		}
		s := &Submission{InteractionCallback: cb}
		slow := viewError(cb.View, "That took longer than it should. Please try again: if your first try got through, we'll say so.")
		b.handle(env, "submit:"+cb.View.CallbackID, cb.User.ID, slow, AckBudget,
			func(ctx context.Context) {
				sctx, cancel := context.WithDeadline(ctx, env.received.Add(SubmitBudget))
				resp, err := fn(sctx, s)
				cancel()
				if err != nil {
					switch code := review.ErrorCode(err); code {
					case review.EINTERNAL, review.EUNAVAILABLE:
						b.obs.HandlerFailed("submit:" + cb.View.CallbackID)
						b.log.Error("saving a modal failed", "callback_id", cb.View.CallbackID, "code", code, "err", err)
					default:
						// Refusals quote names; their code is enough.
						b.log.Info("modal refused", "callback_id", cb.View.CallbackID, "code", code)
					}
					env.ack(viewError(cb.View, review.ErrorMessage(err)))
					return
				}
				if resp == nil {
					env.ack(nil)
				} else {
					env.ack(resp)
				}
				for _, f := range s.after {
					f(ctx)
				}
			},
			func(context.Context) { env.ack(viewError(cb.View, Apology)) })
	case slack.InteractionTypeViewClosed:
		env.ack(nil)
		if fn, ok := b.router.closes[cb.View.CallbackID]; ok {
			c := &Closed{InteractionCallback: cb}
			b.handle(env, "closed:"+cb.View.CallbackID, cb.User.ID, nil, AckBudget, func(ctx context.Context) { fn(ctx, c) }, nil)
		}
	default:
		env.ack(nil)
	}
}

func (b *Bot) onEvent(env *envelope, ev slackevents.EventsAPIEvent) {
	env.ack(nil)
	var eventID string
	if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok {
		eventID = cb.EventID
	}
	if eventID != "" && !b.seen.first("event:"+eventID) {
		b.log.Info("event delivered again; dropped", "retry_attempt", env.retry)
		return
	}
	if home, ok := ev.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent); ok && home.Tab == "home" && b.router.home != nil {
		h := &HomeOpened{UserID: home.User}
		b.handle(env, "home", home.User, nil, AckBudget, func(ctx context.Context) {
			if b.firstEvent(ctx, eventID, env.retry) {
				b.router.home(ctx, h)
			}
		}, nil)
	}
}

// firstEvent reports whether no other process has handled the event: a
// retry may reach another connection. When the database can't say,
// handling it again is the lesser harm.
func (b *Bot) firstEvent(ctx context.Context, eventID string, attempt int) bool {
	if b.claim == nil || eventID == "" {
		return true
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	first, err := b.claim(ctx, "event:"+eventID)
	if err == nil && !first {
		b.log.Info("event handled by another process; dropped", "retry_attempt", attempt)
		return false
	}
	return true
}

// handle runs fn off the event loop with a timeout and a recover. If the
// envelope is still not acked budget after it arrived it is acked with
// slow (nil for a plain ack); if fn panics, apologize runs; and the
// envelope is always acked in the end.
func (b *Bot) handle(env *envelope, name, user string, slow any, budget time.Duration, fn, apologize func(context.Context)) {
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		hctx, cancel := context.WithTimeout(b.base, HandlerTimeout)
		defer cancel()
		log := b.log.With("handler", name, "user", user)
		timer := time.AfterFunc(budget-time.Since(env.received), func() {
			if env.ack(slow) && budget == AckBudget {
				log.Warn("handler missed the ack budget; acked without its answer")
			}
		})
		defer timer.Stop()
		defer func() {
			if p := recover(); p != nil {
				b.obs.HandlerPanicked(name)
				log.Error("handler panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if apologize != nil {
					func() {
						defer func() { _ = recover() }()
						apologize(hctx)
					}()
				}
			}
			env.ack(nil)
		}()
		fn(hctx)
	}()
}

// respond sends a private answer through a response_url, or as a direct
// message when there is none.
func (b *Bot) respond(ctx context.Context, responseURL, userID string, m Message) {
	m = b.api.Mark(time.Time{}, m)
	if responseURL != "" {
		b.webhook(ctx, responseURL, m, false)
		return
	}
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false)}
	if len(m.Blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(m.Blocks...))
	}
	if _, _, err := b.api.PostMessageContext(ctx, userID, opts...); err != nil {
		b.log.Warn("reply by direct message failed", "err", err)
	}
}

// replace swaps the message a response_url belongs to for m.
func (b *Bot) replace(ctx context.Context, responseURL string, m Message) {
	b.webhook(ctx, responseURL, m, true)
}

func (b *Bot) webhook(ctx context.Context, responseURL string, m Message, replace bool) {
	m = b.api.Mark(time.Time{}, m)
	msg := &slack.WebhookMessage{ResponseType: slack.ResponseTypeEphemeral, Text: m.Text, ReplaceOriginal: replace}
	if len(m.Blocks) > 0 {
		msg.Blocks = &slack.Blocks{BlockSet: m.Blocks}
	}
	if err := slack.PostWebhookCustomHTTPContext(ctx, responseURL, b.http, msg); err != nil {
		// A response_url is a credential: log what went wrong, not where.
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		b.log.Warn("answer through response_url failed", "err", err)
	}
}

// viewError is a submission ack that keeps the modal open with msg on its
// first input block.
func viewError(v slack.View, msg string) *slack.ViewSubmissionResponse {
	for _, blk := range v.Blocks.BlockSet {
		if in, ok := blk.(*slack.InputBlock); ok && in.BlockID != "" {
			return slack.NewErrorsViewSubmissionResponse(map[string]string{in.BlockID: msg})
		}
	}
	return nil
}

// envelope is one request from Slack (a Socket Mode envelope, or a
// request to a request URL), acked exactly once.
type envelope struct {
	bot  *Bot
	typ  string                  // Socket Mode's request type: slash_commands, interactive, events_api
	send func(payload any) error // sends the ack; a nil payload for a plain one
	// retry is Slack's count of earlier deliveries (retry_attempt, or
	// X-Slack-Retry-Num over HTTP).
	retry    int
	received time.Time
	state    *ackState
}

// ackState is whether an envelope was acked and with what, kept a while
// (recent) so that a copy of the envelope gets the same ack.
type ackState struct {
	mu    sync.Mutex
	acked bool
	// payload is what the ack carried: nil for none, and nil too when it
	// was larger than keptAck (a copy then gets a plain ack).
	payload any
}

// keptAck is the largest ack payload remembered for copies of an envelope.
const keptAck = 4 << 10

func (b *Bot) newEnvelope(req *socketmode.Request) *envelope {
	env := &envelope{bot: b, received: time.Now(), state: &ackState{}}
	if req != nil {
		env.typ, env.retry = string(req.Type), req.RetryAttempt
		env.send = func(payload any) error {
			if payload == nil {
				return b.sm.Ack(*req)
			}
			return b.sm.Ack(*req, payload)
		}
	}
	return env
}

// again answers a copy of an envelope already being handled, which has the
// same envelope_id: once the original is acked, with the same ack; until
// then not at all, since the original's ack will cover both.
func (b *Bot) again(req *socketmode.Request, st *ackState) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.acked {
		return
	}
	var err error
	if st.payload == nil {
		err = b.sm.Ack(*req)
	} else {
		err = b.sm.Ack(*req, st.payload)
	}
	if err != nil {
		b.log.Error("ack of a copy failed", "err", err)
	}
}

// ack sends the ack with payload (nil for none) unless the envelope has
// been acked already, and reports whether this call sent it. A payload
// Slack would refuse (20 KB or more) is replaced by a plain ack, and the
// call reports false so the caller can answer another way.
func (e *envelope) ack(payload any) bool {
	if e == nil || e.send == nil {
		return false
	}
	st := e.state
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.acked {
		return false
	}
	st.acked = true
	defer func() { e.bot.obs.Acked(e.typ, time.Since(e.received)) }()
	if isNil(payload) {
		if err := e.send(nil); err != nil {
			e.bot.log.Error("ack failed", "err", err)
		}
		return true
	}
	if b, err := json.Marshal(payload); err == nil && len(b) <= keptAck {
		st.payload = payload
	}
	if err := e.send(payload); err != nil {
		st.payload = nil
		e.bot.log.Error("ack with payload refused; acking without it", "err", err)
		if err := e.send(nil); err != nil {
			e.bot.log.Error("ack failed", "err", err)
		}
		return false
	}
	return true
}

func isNil(p any) bool {
	switch v := p.(type) {
	case nil:
		return true
	case *slack.ViewSubmissionResponse:
		return v == nil
	}
	return false
}

// slogLogger adapts slog to the logger socketmode wants; socketmode logs
// only in debug mode, which we leave off because it prints payloads.
type slogLogger struct{ l *slog.Logger }

func (s slogLogger) Output(_ int, msg string) error {
	s.l.Debug(msg, "component", "socketmode")
	return nil
}
