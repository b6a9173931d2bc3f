package slackemu

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Request URLs: instead of Socket Mode, Slack posts what users do to the
// app's request URLs, signed with the app's signing secret. The emulator
// does the same once DeliverTo names the bot's base URL.

// The request URL paths, under the base URL given to DeliverTo (the bot's
// bot.Paths).
const (
	CommandsPath      = "/slack/commands"
	InteractivityPath = "/slack/interactivity"
	EventsPath        = "/slack/events"
)

// maxResponseBytes is the largest response the emulator takes from a
// request URL: Slack documents 20 KB for a Socket Mode ack, and the
// emulator holds request URLs to the same.
const maxResponseBytes = maxAckBytes

// DeliverTo makes the emulator deliver slash commands, interactions and
// events over HTTP, signed with SigningSecret, to a base URL's
// CommandsPath, InteractivityPath and EventsPath, instead of over Socket
// Mode (no base goes back to Socket Mode). With several bases, each
// request goes to the next, as a load balancer in front of replicas would
// send them. Slack's rules apply: an answer later than AckTimeout is a
// violation (the user sees an error); an event whose request fails or
// times out is posted again after each of EventRetryDelays, signed anew,
// with X-Slack-Retry-Num and X-Slack-Retry-Reason, and is a violation
// only when no try succeeds.
func (s *Server) DeliverTo(bases ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requestURLs = nil
	for _, b := range bases {
		s.requestURLs = append(s.requestURLs, strings.TrimRight(b, "/"))
	}
}

// SigningSecret is the app's signing secret, which signs every request
// the emulator posts.
func (s *Server) SigningSecret() string { return s.cfg.SigningSecret }

// Request is a request to a request URL, as Slack would post it.
type Request struct {
	Path        string // CommandsPath, InteractivityPath or EventsPath
	ContentType string
	Body        []byte
}

// Signing says how Post signs a request; the zero value signs it as
// Slack does, now, with the app's signing secret.
type Signing struct {
	Unsigned bool      // no X-Slack-Signature or timestamp at all
	Secret   string    // another secret than the app's (a forgery)
	At       time.Time // the timestamp signed; zero for now
	// Header is added to the request (X-Slack-Retry-Num, say).
	Header http.Header
}

// Response is what the bot answered a request with.
type Response struct {
	Status  int
	Body    []byte
	Latency time.Duration
}

// Post sends r to the bot's request URL (see DeliverTo) and returns its
// answer. It records nothing: it is for tests that send what Slack would
// not (unsigned, forged, stale, replayed, too large) and check that the
// bot refuses it.
func (s *Server) Post(ctx context.Context, r Request, sig Signing) (*Response, error) {
	s.mu.Lock()
	var base string
	if n := len(s.requestURLs); n > 0 {
		base = s.requestURLs[s.nextURL%n]
		s.nextURL++
	}
	s.mu.Unlock()
	if base == "" {
		return nil, errors.New("slackemu: Post needs DeliverTo")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+r.Path, bytes.NewReader(r.Body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", r.ContentType)
	req.Header.Set("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
	if !sig.Unsigned {
		at := sig.At
		if at.IsZero() {
			at = time.Now()
		}
		secret := sig.Secret
		if secret == "" {
			secret = s.cfg.SigningSecret
		}
		ts := strconv.FormatInt(at.Unix(), 10)
		req.Header.Set("X-Slack-Request-Timestamp", ts)
		req.Header.Set("X-Slack-Signature", Sign(secret, ts, r.Body))
	}
	for k, vs := range sig.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	start := time.Now()
	resp, err := s.httpClient().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	return &Response{Status: resp.StatusCode, Body: body, Latency: time.Since(start)}, nil
}

// Sign returns Slack's v0 signature of a request: an HMAC-SHA256 of
// "v0:timestamp:body" with the signing secret.
func Sign(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "v0:%s:", timestamp)
	m.Write(body)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}

func (s *Server) httpClient() *http.Client {
	// Slack gives up after AckTimeout; the emulator waits to AckWait to
	// tell a late answer from none, as over Socket Mode.
	return &http.Client{Timeout: s.cfg.AckWait, Transport: &http.Transport{
		DialContext:       (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
		DisableKeepAlives: true,
	}}
}

// RequestFor builds the request Slack would post for an envelope of typ
// ("slash_commands", "interactive", "events_api") with payload.
func RequestFor(typ string, payload any) (Request, error) {
	switch typ {
	case "slash_commands":
		fields, ok := payload.(map[string]string)
		if !ok {
			return Request{}, fmt.Errorf("slackemu: a slash command's payload is %T", payload)
		}
		form := url.Values{}
		for k, v := range fields {
			form.Set(k, v)
		}
		return Request{Path: CommandsPath, ContentType: "application/x-www-form-urlencoded", Body: []byte(form.Encode())}, nil
	case "interactive":
		b, err := json.Marshal(payload)
		if err != nil {
			return Request{}, err
		}
		return Request{Path: InteractivityPath, ContentType: "application/x-www-form-urlencoded",
			Body: []byte(url.Values{"payload": {string(b)}}.Encode())}, nil
	case "events_api":
		b, err := json.Marshal(payload)
		if err != nil {
			return Request{}, err
		}
		return Request{Path: EventsPath, ContentType: "application/json", Body: b}, nil
	}
	return Request{}, fmt.Errorf("slackemu: no request URL for %s", typ)
}

// CommandRequest builds the request of a slash command run by userID, with
// a live trigger_id and response_url, without sending it.
func (s *Server) CommandRequest(userID, command, text string) (Request, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userLocked(userID)
	if err != nil {
		return Request{}, err
	}
	return RequestFor("slash_commands", s.commandPayloadLocked(u, command, text))
}

// EventRequest builds the request of an Events API event (the inner
// "event" object) with eventID, without sending it.
func (s *Server) EventRequest(event map[string]any, eventID string) (Request, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return RequestFor("events_api", s.eventPayloadLocked(event, eventID))
}

// deliverHTTP is deliver over a request URL: the envelope's payload is
// posted, signed, and the response is its ack. An event whose request
// fails or times out is posted again after each of EventRetryDelays.
func (s *Server) deliverHTTP(ctx context.Context, typ string, payload any, retryAttempt int, retryReason string) (*Ack, error) {
	r, err := RequestFor(typ, payload)
	if err != nil {
		return nil, err
	}
	var trigger struct {
		TriggerID string `json:"trigger_id"`
	}
	if typ == "slash_commands" {
		trigger.TriggerID = payload.(map[string]string)["trigger_id"]
	} else {
		b, _ := json.Marshal(payload)
		_ = json.Unmarshal(b, &trigger)
	}
	if retryReason == "timeout" {
		retryReason = "http_timeout" // Socket Mode's reason, as request URLs give it
	}
	if len(r.Body) > maxRequestBytes {
		s.violate("the emulator was asked to post a %s request of %d bytes, more than Slack sends", typ, len(r.Body))
	}
	s.mu.Lock()
	times := 1
	if s.repeat > 0 && typ == "events_api" {
		// Over HTTP a copy is Slack's retry, which only events get: the
		// same body, signed anew, with the retry headers.
		s.repeat--
		times = 2
	}
	s.mu.Unlock()

	var first *Ack
	var firstErr error
	for n := range times {
		attempt, reason := retryAttempt, retryReason
		if n > 0 {
			attempt, reason = attempt+1, "http_timeout"
		}
		ack, err := s.postEnvelope(ctx, typ, r, attempt, reason, trigger.TriggerID)
		if typ == "events_api" {
			for _, d := range s.cfg.EventRetryDelays {
				if err == nil && !ack.Late {
					break
				}
				if ctx.Err() != nil || s.ctx.Err() != nil {
					break
				}
				why := "http_timeout"
				if err != nil && !errors.Is(err, ErrNoAck) {
					why = "http_error"
				}
				s.logf("slackemu: %s request failed (%v); trying again in %v", typ, err, d)
				select {
				case <-time.After(d):
				case <-ctx.Done():
				case <-s.ctx.Done():
				}
				attempt++
				ack, err = s.postEnvelope(ctx, typ, r, attempt, why, trigger.TriggerID)
			}
		}
		if err != nil && ctx.Err() == nil && s.ctx.Err() == nil {
			s.violate("%v", err)
		}
		if n == 0 {
			first, firstErr = ack, err
		}
	}
	return first, firstErr
}

// maxRequestBytes is the largest request the emulator posts: the bot's
// own limit (bot.MaxRequestBody), far above anything Slack sends.
const maxRequestBytes = 1 << 20

// postEnvelope posts one delivery of an envelope and turns the answer into
// its Ack, recording it (and any rule it breaks) as Socket Mode's are.
func (s *Server) postEnvelope(ctx context.Context, typ string, r Request, attempt int, reason, triggerID string) (*Ack, error) {
	h := http.Header{}
	if attempt > 0 {
		h.Set("X-Slack-Retry-Num", strconv.Itoa(attempt))
		h.Set("X-Slack-Retry-Reason", reason)
	}
	envID := newUUID()
	s.mu.Lock()
	s.delivered[envID] = typ
	s.mu.Unlock()
	sent := time.Now()
	s.logf("slackemu: posting %s request %s to %s (attempt %d)", typ, envID, r.Path, attempt)
	resp, err := s.Post(ctx, r, Signing{Header: h})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if s.ctx.Err() != nil {
			return nil, ErrClosed
		}
		return nil, fmt.Errorf("%w to the %s request %s within %v: %v", ErrNoAck, typ, envID, s.cfg.AckWait, err)
	}
	if resp.Status != http.StatusOK {
		return nil, fmt.Errorf("slackemu: the bot answered the %s request %s with %d: %.200s", typ, envID, resp.Status, resp.Body)
	}
	if len(resp.Body) >= maxResponseBytes {
		return nil, fmt.Errorf("%w: the answer to the %s request %s is %d bytes (Slack takes less than %d, as of an ack)", ErrNoAck, typ, envID, len(resp.Body), maxResponseBytes)
	}
	ack := Ack{EnvelopeID: envID, Type: typ, Latency: time.Since(sent), Size: len(resp.Body), SentAt: sent, TriggerID: triggerID}
	if len(bytes.TrimSpace(resp.Body)) > 0 {
		if json.Valid(resp.Body) {
			ack.Payload = json.RawMessage(resp.Body)
		} else {
			// A plain-text answer is a message's text.
			ack.Payload, _ = json.Marshal(map[string]string{"text": string(resp.Body)})
		}
	}
	ack.Late = ack.Latency > s.cfg.AckTimeout
	s.mu.Lock()
	if ack.Late {
		s.violateLocked("late answer to the %s request %s: %v (limit %v)", typ, envID, ack.Latency.Round(time.Millisecond), s.cfg.AckTimeout)
	}
	s.acks = append(s.acks, ack)
	s.notifyLocked()
	s.mu.Unlock()
	return &ack, nil
}
