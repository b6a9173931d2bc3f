package slackemu

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// maxAckBytes is Slack's limit for a Socket Mode response: acks of this
// size or larger are silently dropped.
const maxAckBytes = 20 * 1024

// Ack is the bot's acknowledgement of an envelope.
type Ack struct {
	EnvelopeID string `json:"envelope_id"`
	// Type is the envelope type ("slash_commands", "interactive",
	// "events_api").
	Type string `json:"type"`
	// Payload is the ack's payload; nil when the ack had none.
	Payload json.RawMessage `json:"payload,omitempty"`
	// Latency is the time from sending the envelope to receiving the ack.
	Latency time.Duration `json:"latency"`
	// Late is true when the ack came after Config.AckTimeout; Slack would
	// have shown the user an error (and retried events).
	Late bool `json:"late"`
	// Size is the size of the ack message in bytes.
	Size int `json:"size"`
	// SentAt is when the envelope was sent.
	SentAt time.Time `json:"sent_at"`
	// TriggerID is the envelope's trigger_id, if it had one: the views.*
	// call that used it can be found in Calls by its trigger_id param.
	TriggerID string `json:"trigger_id,omitempty"`
}

// wsConn is one Socket Mode connection.
type wsConn struct {
	id      int
	ws      *websocket.Conn
	writeMu sync.Mutex
	ready   bool          // hello sent; guarded by Server.mu
	done    chan struct{} // closed when the connection is gone
	once    sync.Once
}

// writeJSON sends a text message (serialized with other writes).
func (c *wsConn) writeJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

// closeAbruptly closes the TCP connection without a close frame.
func (c *wsConn) closeAbruptly() {
	c.once.Do(func() { close(c.done) })
	_ = c.ws.UnderlyingConn().Close()
}

type pendingAck struct {
	typ    string
	sentAt time.Time
	ch     chan Ack // buffered 1
}

var upgrader = websocket.Upgrader{
	CheckOrigin:     func(*http.Request) bool { return true },
	ReadBufferSize:  32 * 1024,
	WriteBufferSize: 32 * 1024,
}

// handleSocket is the Socket Mode WebSocket endpoint handed out by
// apps.connections.open. Tickets are single-use.
func (s *Server) handleSocket(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	_, ok := s.tickets[ticket]
	delete(s.tickets, ticket)
	closed := s.closed
	if ok && !closed {
		s.wg.Add(1) // before Close can Wait: guarded by s.mu and s.closed
	}
	s.mu.Unlock()
	if closed {
		http.Error(w, "server closed", http.StatusServiceUnavailable)
		return
	}
	if !ok {
		s.violate("WebSocket dial with an unknown or reused ticket %q", ticket)
		http.Error(w, "invalid ticket", http.StatusUnauthorized)
		return
	}
	defer s.wg.Done()

	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.logf("slackemu: websocket upgrade: %v", err)
		return
	}
	c := &wsConn{ws: ws, done: make(chan struct{})}

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ws.Close()
		return
	}
	s.seq++
	c.id = int(s.seq)
	s.conns = append(s.conns, c)
	n := len(s.conns)
	s.mu.Unlock()

	defer s.dropConn(c)

	hello := map[string]any{
		"type":            "hello",
		"num_connections": n,
		"debug_info": map[string]any{
			"host":                        "emu",
			"build_number":                1,
			"approximate_connection_time": 18060,
		},
		"connection_info": map[string]any{"app_id": s.cfg.AppID},
	}
	if err := c.writeJSON(hello); err != nil {
		s.logf("slackemu: conn %d: hello: %v", c.id, err)
		return
	}
	s.mu.Lock()
	c.ready = true
	s.notifyLocked()
	s.mu.Unlock()
	s.logf("slackemu: conn %d: connected (%d connections)", c.id, n)

	s.wg.Go(func() { s.pinger(c) })
	s.readAcks(c)
}

// pinger pings right away and then every PingInterval: slack-go's client
// reconnects when it sees no ping within its own interval.
func (s *Server) pinger(c *wsConn) {
	t := time.NewTicker(s.cfg.PingInterval)
	defer t.Stop()
	for {
		payload := []byte(fmt.Sprintf("ping-%d", time.Now().UnixNano()))
		if err := c.ws.WriteControl(websocket.PingMessage, payload, time.Now().Add(5*time.Second)); err != nil {
			return
		}
		select {
		case <-t.C:
		case <-c.done:
			return
		case <-s.ctx.Done():
			return
		}
	}
}

// readAcks reads the bot's messages (acks) until the connection fails.
func (s *Server) readAcks(c *wsConn) {
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			select {
			case <-c.done:
			default:
				s.logf("slackemu: conn %d: closed: %v", c.id, err)
			}
			return
		}
		s.handleAck(c, data)
	}
}

func (s *Server) handleAck(c *wsConn, data []byte) {
	now := time.Now()
	var msg struct {
		EnvelopeID string          `json:"envelope_id"`
		Payload    json.RawMessage `json:"payload"`
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := json.Unmarshal(data, &msg); err != nil || msg.EnvelopeID == "" {
		s.violateLocked("conn %d: unparseable Socket Mode message: %.200s", c.id, data)
		return
	}
	if len(data) >= maxAckBytes {
		s.violateLocked("ack for %s is %d bytes (Slack drops acks of %d bytes or more)", msg.EnvelopeID, len(data), maxAckBytes)
		return // Slack silently drops it: as if never acked
	}
	p, ok := s.pending[msg.EnvelopeID]
	if !ok && s.extraAcks[msg.EnvelopeID] > 0 {
		s.extraAcks[msg.EnvelopeID]-- // the ack of a repeated envelope's copy
		return
	}
	if !ok {
		if typ, known := s.delivered[msg.EnvelopeID]; known {
			s.violateLocked("ack for %s envelope %s arrived after the emulator stopped waiting (%v), or twice", typ, msg.EnvelopeID, s.cfg.AckWait)
		} else {
			s.violateLocked("ack for unknown envelope_id %q", msg.EnvelopeID)
		}
		return
	}
	delete(s.pending, msg.EnvelopeID)
	if string(msg.Payload) == "null" {
		msg.Payload = nil
	}
	ack := Ack{
		EnvelopeID: msg.EnvelopeID,
		Type:       p.typ,
		Payload:    msg.Payload,
		Latency:    now.Sub(p.sentAt),
		Size:       len(data),
	}
	ack.Late = ack.Latency > s.cfg.AckTimeout
	if ack.Late {
		s.violateLocked("late ack for %s envelope %s: %v (limit %v)", p.typ, msg.EnvelopeID, ack.Latency.Round(time.Millisecond), s.cfg.AckTimeout)
	}
	s.acks = append(s.acks, ack)
	s.notifyLocked()
	p.ch <- ack
}

// dropConn unregisters a connection and closes it.
func (s *Server) dropConn(c *wsConn) {
	c.closeAbruptly()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, x := range s.conns {
		if x == c {
			s.conns = append(s.conns[:i], s.conns[i+1:]...)
			break
		}
	}
	s.notifyLocked()
}

// Connections returns the number of live Socket Mode connections that got
// their hello.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.readyConnsLocked()
}

func (s *Server) readyConnsLocked() int {
	n := 0
	for _, c := range s.conns {
		if c.ready {
			n++
		}
	}
	return n
}

// WaitConnected waits until at least one Socket Mode connection is live and
// has been sent its hello.
func (s *Server) WaitConnected(ctx context.Context) error {
	return s.waitFor(ctx, func() bool { return s.readyConnsLocked() > 0 })
}

// Acks returns every ack received so far.
func (s *Server) Acks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Ack(nil), s.acks...)
}

// disconnectGrace is how long a connection may stay open after a
// disconnect request.
const disconnectGrace = 10 * time.Second

// RequestDisconnect sends {"type":"disconnect","reason":reason} on every
// connection, as Slack does before it recycles a connection
// ("refresh_requested", "warning", "link_disabled"). Like Slack, the
// emulator closes connections that are still open 10 seconds later.
func (s *Server) RequestDisconnect(reason string) {
	s.mu.Lock()
	conns := append([]*wsConn(nil), s.conns...)
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return
	}
	for _, c := range conns {
		msg := map[string]any{"type": "disconnect", "reason": reason, "debug_info": map[string]any{"host": "emu"}}
		if err := c.writeJSON(msg); err != nil {
			s.logf("slackemu: conn %d: disconnect: %v", c.id, err)
			continue
		}
		s.logf("slackemu: conn %d: disconnect requested (%s)", c.id, reason)
		// Slack sends nothing more to a connection it has asked to go.
		s.mu.Lock()
		c.ready = false
		s.mu.Unlock()
		s.goLocked(func() {
			t := time.NewTimer(disconnectGrace)
			defer t.Stop()
			select {
			case <-t.C:
				c.closeAbruptly()
			case <-c.done:
			case <-s.ctx.Done():
			}
		})
	}
}

// goLocked runs f in a goroutine that Close waits for, unless the server
// is closed already.
func (s *Server) goLocked(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.wg.Go(f)
	}
}

// DropConnections closes every Socket Mode connection abruptly (no close
// frame), like a network failure.
func (s *Server) DropConnections() {
	s.mu.Lock()
	conns := append([]*wsConn(nil), s.conns...)
	for _, c := range conns {
		c.ready = false // nothing more is sent on it, though its handler has yet to notice
	}
	s.mu.Unlock()
	for _, c := range conns {
		s.logf("slackemu: conn %d: dropping", c.id)
		c.closeAbruptly()
	}
}

// connectWait bounds how long deliver waits for a Socket Mode connection.
const connectWait = 10 * time.Second

// deliver sends an envelope on a live connection (round-robin), or posts
// it to the bot's request URL after DeliverTo (see deliverHTTP); waits for
// its ack and returns it. It waits (up to 10 seconds) for a connection if
// there is none. The
// ack is awaited up to Config.AckWait (or until ctx is done); an ack after
// Config.AckTimeout is Late. No ack at all is a violation and ErrNoAck.
func (s *Server) deliver(ctx context.Context, typ string, payload any, acceptsResponsePayload bool, retryAttempt int, retryReason string) (*Ack, error) {
	s.mu.Lock()
	overHTTP := len(s.requestURLs) > 0
	s.mu.Unlock()
	if overHTTP {
		return s.deliverHTTP(ctx, typ, payload, retryAttempt, retryReason)
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	var trigger struct {
		TriggerID string `json:"trigger_id"`
	}
	_ = json.Unmarshal(body, &trigger)
	envID := newUUID()
	env := map[string]any{
		"envelope_id":              envID,
		"type":                     typ,
		"payload":                  json.RawMessage(body),
		"accepts_response_payload": acceptsResponsePayload,
		"retry_attempt":            retryAttempt,
		"retry_reason":             retryReason,
	}

	var c *wsConn
	wctx, cancel := context.WithTimeout(ctx, connectWait)
	defer cancel()
	err = s.waitFor(wctx, func() bool {
		var ready []*wsConn
		for _, x := range s.conns {
			if x.ready {
				ready = append(ready, x)
			}
		}
		if len(ready) == 0 {
			return false
		}
		s.rr++
		c = ready[s.rr%len(ready)]
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("slackemu: no Socket Mode connection: %w", err)
	}

	p := &pendingAck{typ: typ, ch: make(chan Ack, 1)}
	s.mu.Lock()
	s.pending[envID] = p
	s.delivered[envID] = typ
	p.sentAt = time.Now()
	times := 1
	if s.repeat > 0 {
		s.repeat--
		times = 2
		s.extraAcks[envID] = 1
	}
	s.mu.Unlock()

	for range times {
		if err := c.writeJSON(env); err != nil {
			s.mu.Lock()
			delete(s.pending, envID)
			s.mu.Unlock()
			return nil, fmt.Errorf("slackemu: sending %s envelope: %w", typ, err)
		}
		s.logf("slackemu: conn %d: sent %s envelope %s", c.id, typ, envID)
	}

	timer := time.NewTimer(s.cfg.AckWait)
	defer timer.Stop()
	select {
	case ack := <-p.ch:
		ack.SentAt, ack.TriggerID = p.sentAt, trigger.TriggerID
		return &ack, nil
	case <-timer.C:
		s.mu.Lock()
		defer s.mu.Unlock()
		if _, still := s.pending[envID]; !still { // the ack raced the timer
			ack := <-p.ch
			ack.SentAt, ack.TriggerID = p.sentAt, trigger.TriggerID
			return &ack, nil
		}
		delete(s.pending, envID)
		s.violateLocked("no ack for %s envelope %s within %v", typ, envID, s.cfg.AckWait)
		return nil, fmt.Errorf("%w for %s envelope %s within %v", ErrNoAck, typ, envID, s.cfg.AckWait)
	case <-ctx.Done():
		s.forgetPending(envID)
		return nil, ctx.Err()
	case <-s.ctx.Done():
		s.forgetPending(envID)
		return nil, ErrClosed
	}
}

// RepeatNextEnvelopes makes the next n envelopes arrive twice, with the
// same envelope_id, as when Slack resends one it thinks was lost. Each copy
// may be acked; the first ack is the one the caller gets. Over request
// URLs (DeliverTo) only events are repeated, as Slack's retries, with
// X-Slack-Retry-Num: Slack never posts a command or an interaction twice.
func (s *Server) RepeatNextEnvelopes(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repeat += n
}

func (s *Server) forgetPending(envID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.pending, envID)
}
