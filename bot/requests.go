package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// Paths are the request URLs Slack posts to in http mode: slash commands,
// interactivity (buttons, forms) and events. Each takes any of the three,
// told apart by its body, so an app that points them all at one of them
// works too.
var Paths = []string{"/slack/commands", "/slack/interactivity", "/slack/events"}

// Limits of a request URL.
const (
	// MaxRequestBody is the largest request body read. Slack's largest is
	// a form's submission, which carries the whole modal (at most 100
	// blocks) and what was typed into it: well under this. Anything
	// larger is refused with 413 before its signature is checked, so a
	// stranger can't make the bot buffer much.
	MaxRequestBody = 1 << 20
	// MaxResponseBody is the largest answer sent back in the response.
	// Slack documents 20 KB for a Socket Mode ack and nothing for request
	// URLs; the bot keeps to the same limit in both modes and answers a
	// longer one through the response_url or a DM, as it does over Socket
	// Mode.
	MaxResponseBody = 20 * 1024
	// signatureWindow is how far a request's timestamp may be from now
	// (slack-go's SecretsVerifier refuses the rest).
	signatureWindow = 5 * time.Minute
)

// errReplayed is why a request with a signature taken before is refused,
// for the log.
var errReplayed = errors.New("this signature was seen before: a replayed request")

// RequestURLs makes the bot take Slack's requests over HTTP, checked with
// the app's signing secret, instead of opening a Socket Mode connection:
// serve the handler it returns on Paths. Run then serves until its context
// ends. Call it before Run.
func (b *Bot) RequestURLs(signingSecret string) http.Handler {
	b.overHTTP = true
	// A signature passes for 5 minutes either side of its timestamp.
	b.signatures.ttl = 2*signatureWindow + time.Minute
	h := &requests{bot: b, secret: signingSecret}
	mux := http.NewServeMux()
	for _, p := range Paths {
		mux.Handle("POST "+p, h)
	}
	return mux
}

// requests answers Slack's requests: each is read (up to MaxRequestBody),
// its signature and timestamp checked, a replay refused, and then handled
// as its Socket Mode envelope would be, the ack being the response.
type requests struct {
	bot    *Bot
	secret string
}

func (h *requests) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	received := time.Now()
	b := h.bot
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBody))
	if err != nil {
		if _, big := errors.AsType[*http.MaxBytesError](err); big {
			b.log.Warn("request from Slack refused: body too large", "path", r.URL.Path, "limit", MaxRequestBody)
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "could not read the request", http.StatusBadRequest)
		return
	}
	if err := h.verify(r.Header, body); err != nil {
		// Never the signature itself: with the body it is a request that
		// would pass for five minutes.
		b.log.Warn("request refused: not signed by Slack with our signing secret", "path", r.URL.Path, "reason", err.Error())
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	evt, challenge, err := parseRequest(r.Header.Get("Content-Type"), body)
	if err != nil {
		b.log.Warn("request from Slack could not be read", "path", r.URL.Path, "err", err)
		http.Error(w, "unreadable request", http.StatusBadRequest)
		return
	}
	if challenge != "" {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, challenge)
		b.log.Info("answered Slack's url_verification challenge")
		return
	}
	retry, _ := strconv.Atoi(r.Header.Get("X-Slack-Retry-Num"))
	acked := make(chan []byte, 1)
	env := &envelope{bot: b, typ: string(evt.Type), retry: retry, received: received, state: &ackState{}}
	env.send = func(payload any) error {
		var out []byte
		if payload != nil {
			var err error
			if out, err = json.Marshal(payload); err != nil {
				return err
			}
			if len(out) >= MaxResponseBody {
				return fmt.Errorf("the answer (%d bytes) is over the %d bytes Slack takes", len(out), MaxResponseBody)
			}
		}
		acked <- out
		return nil
	}
	if retry > 0 {
		b.log.Info("Slack delivers a request again", "retry_attempt", retry, "retry_reason", r.Header.Get("X-Slack-Retry-Reason"))
	}
	if !b.take(func() {
		b.obs.Envelope(env.typ)
		b.route(evt, env)
	}) {
		// Stopping: Slack retries an event elsewhere, and tells the user
		// a command or a click did not go through.
		http.Error(w, "stopping", http.StatusServiceUnavailable)
		return
	}
	var out []byte
	select {
	case out = <-acked:
	case <-r.Context().Done():
		return
	case <-time.After(AckBudget + 300*time.Millisecond - time.Since(received)):
		// Every route acks within its budget; this is a last resort, in
		// time for Slack's 3 seconds.
		env.ack(nil)
		out = <-acked
	}
	if len(out) == 0 {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(out)
}

// verify checks a request's signature and timestamp with slack-go's
// SecretsVerifier (an HMAC-SHA256 of the timestamp and the body, compared
// in constant time; a timestamp more than 5 minutes from now is refused),
// and refuses a signature seen before: the verifier lets the same request
// pass again for 5 minutes, and Slack signs each delivery anew, its
// retries included.
func (h *requests) verify(header http.Header, body []byte) error {
	sv, err := slack.NewSecretsVerifier(header, h.secret)
	if err != nil {
		return err
	}
	if _, err := sv.Write(body); err != nil {
		return err
	}
	if err := sv.Ensure(); err != nil {
		return err
	}
	key := "signature:" + header.Get("X-Slack-Request-Timestamp") + ":" + header.Get("X-Slack-Signature")
	if !h.bot.signatures.first(key) {
		return errReplayed
	}
	return nil
}

// parseRequest reads a request as the Socket Mode event it stands for: a
// form with command= is a slash command, a form with payload= an
// interaction, JSON an Events API callback. A url_verification request
// returns its challenge instead.
func parseRequest(contentType string, body []byte) (evt socketmode.Event, challenge string, err error) {
	if strings.HasPrefix(contentType, "application/json") {
		var outer struct {
			Type      string `json:"type"`
			Challenge string `json:"challenge"`
		}
		if err := json.Unmarshal(body, &outer); err != nil {
			return evt, "", fmt.Errorf("events: %w", err)
		}
		if outer.Type == slackevents.URLVerification {
			if outer.Challenge == "" {
				return evt, "", errors.New("url_verification without a challenge")
			}
			return evt, outer.Challenge, nil
		}
		ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
		if err != nil {
			return evt, "", fmt.Errorf("events: %w", err)
		}
		return socketmode.Event{Type: socketmode.EventTypeEventsAPI, Data: ev}, "", nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return evt, "", fmt.Errorf("form: %w", err)
	}
	switch {
	case form.Has("payload"):
		var cb slack.InteractionCallback
		if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
			return evt, "", fmt.Errorf("interaction: %w", err)
		}
		return socketmode.Event{Type: socketmode.EventTypeInteractive, Data: cb}, "", nil
	case form.Has("command"):
		req := &http.Request{Method: http.MethodPost, Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
			Body: io.NopCloser(bytes.NewReader(body))}
		cmd, err := slack.SlashCommandParse(req)
		if err != nil {
			return evt, "", fmt.Errorf("slash command: %w", err)
		}
		return socketmode.Event{Type: socketmode.EventTypeSlashCommand, Data: cmd}, "", nil
	}
	return evt, "", errors.New("neither a slash command, an interaction nor an event")
}

// take runs f (which routes a request) unless the bot is stopping, and
// reports whether it ran. Routing adds the request's handlers to the
// ones Run waits for, so none starts after Run has begun to wait.
func (b *Bot) take(f func()) bool {
	b.closing.RLock()
	defer b.closing.RUnlock()
	if b.stopped {
		return false
	}
	f()
	return true
}

// serveRequests is Run in http mode: requests are taken until ctx ends,
// then those under way finish (a bounded time).
func (b *Bot) serveRequests(ctx context.Context) error {
	b.connected.Store(true)
	b.readyOnce.Do(func() { close(b.ready) })
	<-ctx.Done()
	b.closing.Lock()
	b.stopped = true
	b.closing.Unlock()
	b.connected.Store(false)
	b.drain()
	return nil
}
