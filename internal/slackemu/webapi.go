package slackemu

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Call is one recorded Web API call.
type Call struct {
	Method string    `json:"method"`
	At     time.Time `json:"at"`
	// Params are the form fields (or, for a JSON body, its top-level
	// fields, objects and arrays rendered as JSON).
	Params map[string]string `json:"params"`
	// Body is the JSON body as sent, or the form fields as a JSON object.
	Body     json.RawMessage `json:"body"`
	Status   int             `json:"status"`
	Response json.RawMessage `json:"response"`
	// Error is the Slack error code when the response had ok=false
	// ("ratelimited" for 429s, "" for injected 5xx).
	Error string `json:"error,omitempty"`
}

// Calls returns every Web API call so far, in order, including rejected ones.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Arrived returns how many calls to method have arrived, counting those
// still held back by SlowNext.
func (s *Server) Arrived(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.arrived[method]
}

// WaitArrived waits until n calls to method have arrived (see Arrived): a
// test waits for a call to be under way.
func (s *Server) WaitArrived(ctx context.Context, method string, n int) error {
	return s.waitFor(ctx, func() bool { return s.arrived[method] >= n })
}

// CallsTo returns the recorded calls to one method.
func (s *Server) CallsTo(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// apiRequest is a parsed Web API request.
type apiRequest struct {
	method string
	params map[string]string
	json   map[string]any // non-nil for JSON bodies
	body   json.RawMessage
	token  string
	at     time.Time
}

// str returns a parameter as a string.
func (r *apiRequest) str(key string) string { return r.params[key] }

// raw returns a JSON-valued parameter (blocks, view, files, metadata…):
// the nested value of a JSON body, or the JSON text of a form field.
func (r *apiRequest) raw(key string) (json.RawMessage, bool) {
	if r.json != nil {
		v, ok := r.json[key]
		if !ok || v == nil {
			return nil, false
		}
		if str, isStr := v.(string); isStr { // a JSON-encoded string is accepted too
			if json.Valid([]byte(str)) {
				return json.RawMessage(str), true
			}
		}
		b, _ := json.Marshal(v)
		return b, true
	}
	v, ok := r.params[key]
	if !ok || v == "" {
		return nil, false
	}
	return json.RawMessage(v), true
}

// apiResponse is what a method handler returns.
type apiResponse map[string]any

func okResp(kv ...any) apiResponse {
	r := apiResponse{"ok": true}
	for i := 0; i+1 < len(kv); i += 2 {
		r[kv[i].(string)] = kv[i+1]
	}
	return r
}

func errResp(code string, messages ...string) apiResponse {
	r := apiResponse{"ok": false, "error": code}
	if len(messages) > 0 {
		r["response_metadata"] = map[string]any{"messages": messages}
	}
	return r
}

// response is a method's result.
type response interface {
	// encode renders the JSON body and returns the Slack error code
	// ("" when ok).
	encode() (body []byte, errCode string)
}

func (r apiResponse) encode() ([]byte, string) {
	b, _ := json.Marshal(r)
	code, _ := r["error"].(string)
	return b, code
}

// rawResponse is a complete, pre-encoded ok response (used where encoding
// through a map would be too slow, e.g. users.list).
type rawResponse []byte

func (r rawResponse) encode() ([]byte, string) { return r, "" }

type methodFunc func(s *Server, r *apiRequest) response

// methods is the dispatch table of implemented Web API methods.
var methods map[string]methodFunc

func init() {
	methods = map[string]methodFunc{
		"apps.connections.open":        (*Server).appsConnectionsOpen,
		"auth.test":                    (*Server).authTest,
		"bots.info":                    (*Server).botsInfo,
		"users.list":                   (*Server).usersList,
		"users.info":                   (*Server).usersInfo,
		"users.lookupByEmail":          (*Server).usersLookupByEmail,
		"conversations.open":           (*Server).conversationsOpen,
		"conversations.history":        (*Server).conversationsHistory,
		"conversations.info":           (*Server).conversationsInfo,
		"dnd.info":                     (*Server).dndInfo,
		"dnd.teamInfo":                 (*Server).dndTeamInfo,
		"chat.postMessage":             (*Server).chatPostMessage,
		"chat.postEphemeral":           (*Server).chatPostEphemeral,
		"chat.update":                  (*Server).chatUpdate,
		"chat.delete":                  (*Server).chatDelete,
		"views.open":                   (*Server).viewsOpen,
		"views.push":                   (*Server).viewsPush,
		"views.update":                 (*Server).viewsUpdate,
		"views.publish":                (*Server).viewsPublish,
		"files.getUploadURLExternal":   (*Server).filesGetUploadURLExternal,
		"files.completeUploadExternal": (*Server).filesCompleteUploadExternal,
	}
}

// handleAPI serves POST/GET {base}/api/{method}.
func (s *Server) handleAPI(w http.ResponseWriter, hr *http.Request) {
	method := strings.TrimPrefix(hr.URL.Path, "/api/")
	req, perr := parseAPIRequest(hr, method)

	s.mu.Lock()
	s.arrived[method]++
	s.notifyLocked()
	wait := s.takeSlowLocked(method)
	s.mu.Unlock()
	if wait > 0 {
		time.Sleep(wait)
	}
	s.mu.Lock()
	call := Call{Method: method, At: req.at, Params: req.params, Body: req.body}
	status, body, code, header := s.serveAPILocked(req, perr)
	call.Status = status
	if status == http.StatusOK || status == http.StatusTooManyRequests {
		call.Response = body
		call.Error = code
	}
	s.calls = append(s.calls, call)
	s.logf("slackemu: %s -> %d %s", method, status, call.Error)
	s.notifyLocked()
	hold := pop(s.hold, method)
	s.mu.Unlock()
	if hold > 0 {
		select {
		case <-time.After(hold):
		case <-hr.Context().Done():
			return
		}
	}

	for k, v := range header {
		w.Header().Set(k, v)
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// serveAPILocked runs the pipeline: token check, injected faults, rate
// limiter, method. It returns the HTTP status, body, Slack error code and
// extra headers.
func (s *Server) serveAPILocked(req *apiRequest, perr error) (int, []byte, string, map[string]string) {
	jsonOut := func(r response) (int, []byte, string, map[string]string) {
		b, code := r.encode()
		return http.StatusOK, b, code, nil
	}
	fn, known := methods[req.method]
	if !known {
		s.violateLocked("unknown method %q called", req.method)
		return jsonOut(apiResponse{"ok": false, "error": "unknown_method", "req_method": req.method})
	}
	if perr != nil {
		return jsonOut(errResp("invalid_form_data", perr.Error()))
	}

	// Token check.
	wantApp := req.method == "apps.connections.open"
	switch req.token {
	case "":
		s.violateLocked("%s called without a token (not_authed)", req.method)
		return jsonOut(errResp("not_authed"))
	case s.cfg.BotToken, s.cfg.AppToken:
		if (req.token == s.cfg.AppToken) != wantApp {
			s.violateLocked("%s called with the wrong token type (not_allowed_token_type)", req.method)
			return jsonOut(errResp("not_allowed_token_type"))
		}
	default:
		s.violateLocked("%s called with an invalid token (invalid_auth)", req.method)
		return jsonOut(errResp("invalid_auth"))
	}

	// A call before the Retry-After of a 429 to the same method has run
	// out breaks Slack's rules.
	if until, ok := s.retryAfter[req.method]; ok && req.at.Before(until) {
		s.violateLocked("%s called %v before its Retry-After ran out", req.method, until.Sub(req.at).Round(time.Millisecond))
	}

	// Injected faults.
	if f, ok := s.takeFaultLocked(req.method); ok {
		if f.status == http.StatusTooManyRequests {
			s.retryAfter[req.method] = req.at.Add(time.Duration(f.retryAfter) * time.Second)
			b, code := errResp("ratelimited").encode()
			return f.status, b, code, map[string]string{"Retry-After": strconv.Itoa(f.retryAfter)}
		}
		html := fmt.Sprintf("<html><head><title>%d %s</title></head><body><h1>%d %s</h1></body></html>\n",
			f.status, http.StatusText(f.status), f.status, http.StatusText(f.status))
		return f.status, []byte(html), "", map[string]string{"Content-Type": "text/html; charset=utf-8"}
	}

	// Rate limits.
	if !s.cfg.DisableRateLimits {
		channel := ""
		if perChannelLimited(req.method) {
			channel = req.str("channel")
			if id, _, ok := s.resolveChannelLocked(channel); ok {
				channel = id
			}
		}
		if ok, retry, why := s.limiter.allow(req.method, channel, req.at); !ok {
			s.violateLocked("%s rate limited (%s); Retry-After %d", req.method, why, retry)
			s.retryAfter[req.method] = req.at.Add(time.Duration(retry) * time.Second)
			b, code := errResp("ratelimited").encode()
			return http.StatusTooManyRequests, b, code, map[string]string{"Retry-After": strconv.Itoa(retry)}
		}
	}

	return jsonOut(fn(s, req))
}

// parseAPIRequest reads a form, query or JSON request.
func parseAPIRequest(hr *http.Request, method string) (*apiRequest, error) {
	req := &apiRequest{method: method, params: map[string]string{}, at: time.Now()}
	for k, v := range hr.URL.Query() {
		req.params[k] = v[0]
	}
	if auth := hr.Header.Get("Authorization"); strings.HasPrefix(auth, "Bearer ") {
		req.token = strings.TrimPrefix(auth, "Bearer ")
	}
	data, err := io.ReadAll(io.LimitReader(hr.Body, 16<<20))
	if err != nil {
		return req, err
	}
	ctype, _, _ := mime.ParseMediaType(hr.Header.Get("Content-Type"))
	switch {
	case ctype == "application/json" && len(data) > 0:
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			req.body = json.RawMessage(fmt.Sprintf("%q", data))
			return req, fmt.Errorf("invalid JSON body: %v", err)
		}
		req.json = m
		req.body = json.RawMessage(data)
		for k, v := range m {
			switch v := v.(type) {
			case string:
				req.params[k] = v
			case nil:
			default:
				b, _ := json.Marshal(v)
				req.params[k] = string(b)
			}
		}
	case ctype == "multipart/form-data":
		// Not used by slack-go for API methods, but accepted.
		hr.Body = io.NopCloser(strings.NewReader(string(data)))
		if err := hr.ParseMultipartForm(16 << 20); err == nil {
			for k, v := range hr.MultipartForm.Value {
				req.params[k] = v[0]
			}
		}
	default:
		vals, err := url.ParseQuery(string(data))
		if err != nil {
			return req, err
		}
		for k, v := range vals {
			req.params[k] = v[0]
		}
	}
	if t, ok := req.params["token"]; ok {
		if req.token == "" {
			req.token = t
		}
	}
	if req.body == nil {
		b, _ := json.Marshal(req.params)
		req.body = b
	}
	return req, nil
}
