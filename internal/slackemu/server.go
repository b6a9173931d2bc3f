package slackemu

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Config configures a Server. The zero value is usable: every field has a
// default.
type Config struct {
	// BotToken is the bot token (xoxb-…) the bot uses for Web API calls.
	// Default "xoxb-emulator".
	BotToken string
	// AppToken is the app-level token (xapp-…) used for
	// apps.connections.open. Default "xapp-emulator".
	AppToken string

	// TeamID is the workspace ID. Default "T0EMU".
	TeamID string
	// AppID is the app's ID. Default "A0EMU".
	AppID string
	// BotUserID is the bot user's ID. Default "U0BOT".
	BotUserID string
	// BotID is the bot's bot ID (B…). Default "B0EMU".
	BotID string

	// SigningSecret signs the requests posted to the bot's request URLs
	// (see DeliverTo). Default "8f742231b10e8888abcd99yyyzzz85a5" (the
	// example of Slack's documentation).
	SigningSecret string
	// EventRetryDelays are the waits before Slack posts an event again
	// after its request failed or timed out, one retry each. Slack waits
	// about nothing, 1 minute and 5 minutes; the default is 10 ms, 1 s
	// and 5 s, the same shape on a test's time. Empty: the default; a nil
	// slice after New: none (set NoEventRetries).
	EventRetryDelays []time.Duration
	// NoEventRetries turns Slack's retries of failed events off.
	NoEventRetries bool

	// Addr is the address to listen on. Default "127.0.0.1:0" (a free port).
	Addr string

	// PingInterval is how often WebSocket pings are sent on each Socket
	// Mode connection (one is also sent right after hello). Default 5s.
	PingInterval time.Duration
	// AckTimeout is Slack's limit for acking an envelope, or answering a
	// request URL. Default 3s.
	AckTimeout time.Duration
	// AckWait is how long the emulator waits for an ack before giving up
	// (an ack after AckTimeout but within AckWait is reported as Late).
	// Default 2×AckTimeout.
	AckWait time.Duration
	// TriggerTTL is how long a trigger_id can be exchanged (once).
	// Default 3s.
	TriggerTTL time.Duration

	// RateLimits is the number of calls per minute allowed per method,
	// workspace-wide. Nil means DefaultRateLimits(). Methods not in the map
	// are not limited.
	RateLimits map[string]int
	// DisableRateLimits turns the rate limiter off (injected 429s still
	// work).
	DisableRateLimits bool

	// OmitBuiltinUsers leaves the bot user and Slackbot (USLACKBOT) out of
	// users.list. By default they are listed, as in a real workspace.
	OmitBuiltinUsers bool

	// Logf, if set, receives a line for every call, connection and
	// violation (tests pass t.Logf). It must not call back into the Server.
	Logf func(format string, args ...any)
}

func (c *Config) setDefaults() {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&c.BotToken, "xoxb-emulator")
	def(&c.AppToken, "xapp-emulator")
	def(&c.TeamID, "T0EMU")
	def(&c.AppID, "A0EMU")
	def(&c.BotUserID, "U0BOT")
	def(&c.BotID, "B0EMU")
	def(&c.SigningSecret, "8f742231b10e8888abcd99yyyzzz85a5")
	if len(c.EventRetryDelays) == 0 {
		c.EventRetryDelays = []time.Duration{10 * time.Millisecond, time.Second, 5 * time.Second}
	}
	if c.NoEventRetries {
		c.EventRetryDelays = nil
	}
	def(&c.Addr, "127.0.0.1:0")
	if c.PingInterval <= 0 {
		c.PingInterval = 5 * time.Second
	}
	if c.AckTimeout <= 0 {
		c.AckTimeout = 3 * time.Second
	}
	if c.AckWait <= 0 {
		c.AckWait = 2 * c.AckTimeout
	}
	if c.TriggerTTL <= 0 {
		c.TriggerTTL = 3 * time.Second
	}
	if c.RateLimits == nil {
		c.RateLimits = DefaultRateLimits()
	}
}

// Server is a running Slack emulator. All its methods are safe for
// concurrent use.
type Server struct {
	cfg     Config
	ln      net.Listener
	httpSrv *http.Server
	baseURL string // "http://127.0.0.1:PORT"

	ctx    context.Context // done when Close starts
	cancel context.CancelFunc

	connMu sync.Mutex
	fresh  map[net.Conn]bool // connections that have not carried a request
	wg     sync.WaitGroup    // background goroutines, socket handlers

	mu      sync.Mutex
	closed  bool
	changed chan struct{} // closed and replaced whenever state changes
	seq     uint64        // ID counter
	lastTS  int64         // last message ts, in microseconds

	users        []*userRec
	usersByID    map[string]*userRec
	usersByEmail map[string]*userRec
	dmToUser     map[string]string
	openedIMs    map[string]bool
	channels     map[string]*Channel
	dnd          map[string]dndState
	tzCache      map[string]tzInfo

	triggers     map[string]*trigger
	responseURLs map[string]*responseCtx
	views        map[string]*viewRec
	stacks       map[string][]string // user -> modal view IDs, bottom first
	homes        map[string]string   // user -> home view ID

	messages []*Message
	files    map[string]*File
	fileSeq  []string

	calls      []Call
	shown      []Shown
	retryAfter map[string]time.Time // method → when its last 429's Retry-After ends
	acks       []Ack
	violations []string

	conns     []*wsConn
	rr        int
	tickets   map[string]time.Time
	pending   map[string]*pendingAck
	delivered map[string]string // envelope ID -> type, for late/unknown ack detection
	repeat    int               // envelopes still to be sent twice (RepeatNextEnvelopes)
	// requestURLs, once set (DeliverTo), are where envelopes are posted
	// instead of sent over Socket Mode, each in turn (nextURL).
	requestURLs []string
	nextURL     int
	extraAcks   map[string]int // envelope ID -> acks still welcome for a repeated envelope

	limiter *rateLimiter
	faults  map[string][]fault
	slow    map[string][]time.Duration
	hold    map[string][]time.Duration // see HoldReplyNext
	arrived map[string]int             // calls per method as they arrive, before any injected wait
}

// New starts an emulator listening on cfg.Addr (default 127.0.0.1 on a free
// port). It panics if it cannot listen, which in tests is what you want.
func New(cfg Config) *Server {
	cfg.setDefaults()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		panic(fmt.Sprintf("slackemu: listen %s: %v", cfg.Addr, err))
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:          cfg,
		ln:           ln,
		baseURL:      "http://" + ln.Addr().String(),
		ctx:          ctx,
		cancel:       cancel,
		changed:      make(chan struct{}),
		usersByID:    map[string]*userRec{},
		usersByEmail: map[string]*userRec{},
		dmToUser:     map[string]string{},
		openedIMs:    map[string]bool{},
		channels:     map[string]*Channel{},
		dnd:          map[string]dndState{},
		tzCache:      map[string]tzInfo{},
		triggers:     map[string]*trigger{},
		responseURLs: map[string]*responseCtx{},
		views:        map[string]*viewRec{},
		stacks:       map[string][]string{},
		homes:        map[string]string{},
		files:        map[string]*File{},
		tickets:      map[string]time.Time{},
		pending:      map[string]*pendingAck{},
		delivered:    map[string]string{},
		extraAcks:    map[string]int{},
		limiter:      newRateLimiter(cfg.RateLimits),
		faults:       map[string][]fault{},
		slow:         map[string][]time.Duration{},
		hold:         map[string][]time.Duration{},
		arrived:      map[string]int{},
		retryAfter:   map[string]time.Time{},
	}
	s.addBuiltinUsers()

	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.handleAPI)
	mux.HandleFunc("/link/", s.handleSocket)
	mux.HandleFunc("/response/", s.handleResponseURL)
	mux.HandleFunc("/upload/", s.handleUpload)
	mux.HandleFunc("/_emu/", s.handleControl)
	s.httpSrv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ConnState:         s.trackConn,
	}
	s.wg.Go(func() {
		if err := s.httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logf("slackemu: serve: %v", err)
		}
	})
	s.logf("slackemu: listening on %s", s.baseURL)
	return s
}

// APIURL is the Web API base URL to pass to slack.OptionAPIURL, e.g.
// "http://127.0.0.1:PORT/api/". It ends with a slash.
func (s *Server) APIURL() string { return s.baseURL + "/api/" }

// URL is the emulator's base URL, e.g. "http://127.0.0.1:PORT". The control
// API lives under URL()+"/_emu/".
func (s *Server) URL() string { return s.baseURL }

// BotToken is the configured bot token.
func (s *Server) BotToken() string { return s.cfg.BotToken }

// AppToken is the configured app-level token.
func (s *Server) AppToken() string { return s.cfg.AppToken }

// Config returns the effective configuration (with defaults applied).
func (s *Server) Config() Config { return s.cfg }

// Close stops the emulator: it closes every Socket Mode connection, stops
// the HTTP server and waits for all of the emulator's goroutines to end.
// Calls still waiting for an ack return an error. Close is idempotent.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	conns := append([]*wsConn(nil), s.conns...)
	s.notifyLocked()
	s.mu.Unlock()

	s.cancel()
	for _, c := range conns {
		c.closeAbruptly()
	}
	// A connection a client opened and has sent nothing on is not idle
	// to http.Server.Shutdown until it is 5 seconds old (Go's transport
	// opens such spares when requests race): those are closed at once,
	// so that closing the emulator does not wait for them.
	s.connMu.Lock()
	for c := range s.fresh {
		_ = c.Close()
	}
	s.connMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.httpSrv.Shutdown(ctx); err != nil {
		_ = s.httpSrv.Close()
	}
	s.wg.Wait()
}

// trackConn keeps the connections that have not carried a request yet.
func (s *Server) trackConn(c net.Conn, state http.ConnState) {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if state == http.StateNew {
		if s.fresh == nil {
			s.fresh = map[net.Conn]bool{}
		}
		s.fresh[c] = true
	} else {
		delete(s.fresh, c)
	}
}

// now is the emulator's clock.
func (s *Server) now() time.Time { return time.Now() }

// logf logs through Config.Logf, if set.
func (s *Server) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}

// notifyLocked wakes every waiter (WaitConnected, WaitMessages, ...).
// s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitFor blocks until cond (evaluated with s.mu held) is true, ctx is done
// or the server is closed.
func (s *Server) waitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		if cond() {
			s.mu.Unlock()
			return nil
		}
		closed := s.closed
		ch := s.changed
		s.mu.Unlock()
		if closed {
			return ErrClosed
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// violateLocked records a violation. s.mu must be held.
func (s *Server) violateLocked(format string, args ...any) {
	v := fmt.Sprintf(format, args...)
	s.violations = append(s.violations, v)
	s.logf("slackemu: VIOLATION: %s", v)
	s.notifyLocked()
}

func (s *Server) violate(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violateLocked(format, args...)
}

// Violations returns every limit the bot broke so far, in order: late or
// missing acks, oversized acks, invalid Block Kit, unknown error keys,
// expired or reused triggers, rate-limit breaches, unknown methods, bad
// tokens, ...
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.violations...)
}

// ResetViolations forgets the violations recorded so far.
func (s *Server) ResetViolations() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violations = nil
}

// nextIDLocked returns a new Slack-looking ID with the given prefix, e.g.
// "V00000001A". s.mu must be held.
func (s *Server) nextIDLocked(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s%08X", prefix, s.seq)
}

// nextTSLocked returns a new message timestamp ("1700000000.000100"),
// strictly increasing. s.mu must be held.
func (s *Server) nextTSLocked() string {
	us := time.Now().UnixMicro()
	if us <= s.lastTS {
		us = s.lastTS + 1
	}
	s.lastTS = us
	return formatTS(us)
}

func formatTS(us int64) string {
	return fmt.Sprintf("%d.%06d", us/1e6, us%1e6)
}

// randHex returns n random bytes, hex-encoded.
func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// randDigits returns n random decimal digits.
func randDigits(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i, c := range b {
		b[i] = '0' + c%10
	}
	return string(b)
}

// randAlnum returns n random letters and digits.
func randAlnum(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i, c := range b {
		b[i] = alphabet[int(c)%len(alphabet)]
	}
	return string(b)
}

// newUUID returns a random UUID-shaped string, like Slack's envelope IDs.
func newUUID() string {
	h := randHex(16)
	return strings.Join([]string{h[0:8], h[8:12], h[12:16], h[16:20], h[20:32]}, "-")
}

// Errors returned by the user-simulation methods.
var (
	// ErrClosed is returned when the Server has been closed.
	ErrClosed = errors.New("slackemu: server closed")
	// ErrNoAck is returned when the bot did not ack an envelope within
	// Config.AckWait.
	ErrNoAck = errors.New("slackemu: no ack received")
)
