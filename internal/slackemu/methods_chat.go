package slackemu

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// responseURLMaxUses is how many times Slack accepts posts to one
// response_url.
const responseURLMaxUses = 5

// responseCtx is what a response_url is bound to.
type responseCtx struct {
	user    string
	channel string
	origTS  string // the message whose button was clicked; for commands, the last reply
	uses    int
}

// newResponseURLLocked creates a response_url for a command or a click.
// ResponseURL returns a fresh response_url for user in channel, as Slack
// puts in an interaction from a message there (origTS, "" for none), for a
// test that makes such a payload by hand.
func (s *Server) ResponseURL(user, channel, origTS string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newResponseURLLocked(user, channel, origTS)
}

func (s *Server) newResponseURLLocked(user, channel, origTS string) string {
	id := s.cfg.TeamID + "/" + randDigits(13) + "/" + randHex(12)
	s.responseURLs[id] = &responseCtx{user: user, channel: channel, origTS: origTS}
	return s.baseURL + "/response/" + id
}

func (s *Server) chatPostMessage(r *apiRequest) response {
	ch, user, ok := s.resolveChannelLocked(r.str("channel"))
	if !ok {
		return errResp("channel_not_found")
	}
	if code := s.channelAccessLocked(ch, "channel_not_found"); code != "" {
		return errResp(code)
	}
	if u := s.usersByID[user]; u != nil && u.IsBot {
		return errResp("cannot_dm_bot")
	}
	in, bad := parseMsgInput(r)
	if bad != nil {
		return bad
	}
	if bad := s.checkMessageLocked("chat.postMessage", in, false); bad != nil {
		return bad
	}
	m := s.storeMessageLocked(&Message{Channel: ch, User: user, Via: "chat.postMessage"}, in)
	return okResp("channel", ch, "ts", m.TS, "message", m.Raw)
}

func (s *Server) chatPostEphemeral(r *apiRequest) response {
	ch, dmUser, ok := s.resolveChannelLocked(r.str("channel"))
	if !ok {
		return errResp("channel_not_found")
	}
	user := r.str("user")
	if _, ok := s.usersByID[user]; !ok {
		return errResp("user_not_found")
	}
	if dmUser != "" && dmUser != user {
		return errResp("user_not_in_channel")
	}
	in, bad := parseMsgInput(r)
	if bad != nil {
		return bad
	}
	if bad := s.checkMessageLocked("chat.postEphemeral", in, false); bad != nil {
		return bad
	}
	m := s.storeMessageLocked(&Message{Channel: ch, User: user, Ephemeral: true, Via: "chat.postEphemeral"}, in)
	return okResp("message_ts", m.TS)
}

// conversationLocked resolves a conversation ID (not a user ID: chat.update
// and chat.delete need the channel returned by chat.postMessage).
func (s *Server) conversationLocked(ch string) bool {
	_, isDM := s.dmToUser[ch]
	_, isChannel := s.channels[ch]
	return isDM || isChannel
}

func (s *Server) chatUpdate(r *apiRequest) response {
	ch := r.str("channel")
	if !s.conversationLocked(ch) {
		return errResp("channel_not_found")
	}
	_, m := s.findMessageLocked(ch, r.str("ts"))
	if m == nil || m.Ephemeral {
		return errResp("message_not_found")
	}
	in, bad := parseMsgInput(r)
	if bad != nil {
		return bad
	}
	text := m.Text
	if in.hasText {
		text = in.text
	}
	hasBlocks := len(m.Blocks.BlockSet) > 0
	if in.hasBlocks {
		hasBlocks = len(in.blocks) > 0
	}
	if text == "" && !hasBlocks && in.attachments == nil {
		return errResp("no_text")
	}
	if bad := s.checkMessageLocked("chat.update", in, true); bad != nil {
		return bad
	}
	m.Updates++
	m.editedTS = s.nextTSLocked()
	s.applyContentLocked(m, in)
	s.notifyLocked()
	return okResp("channel", ch, "ts", m.TS, "text", m.Text, "message", m.Raw)
}

func (s *Server) chatDelete(r *apiRequest) response {
	ch := r.str("channel")
	if !s.conversationLocked(ch) {
		return errResp("channel_not_found")
	}
	i, m := s.findMessageLocked(ch, r.str("ts"))
	if m == nil || m.Ephemeral {
		return errResp("message_not_found")
	}
	s.messages = append(s.messages[:i], s.messages[i+1:]...)
	s.notifyLocked()
	return okResp("channel", ch, "ts", m.TS)
}

// responseURLBody is what apps post to a response_url.
type responseURLBody struct {
	Text            string          `json:"text"`
	Blocks          json.RawMessage `json:"blocks"`
	Attachments     json.RawMessage `json:"attachments"`
	ResponseType    string          `json:"response_type"`
	ReplaceOriginal bool            `json:"replace_original"`
	DeleteOriginal  bool            `json:"delete_original"`
	ThreadTS        string          `json:"thread_ts"`
	Metadata        json.RawMessage `json:"metadata"`
}

// handleResponseURL serves the response_url of a command or a click.
func (s *Server) handleResponseURL(w http.ResponseWriter, hr *http.Request) {
	id := strings.TrimPrefix(hr.URL.Path, "/response/")
	data, _ := io.ReadAll(io.LimitReader(hr.Body, 16<<20))

	s.mu.Lock()
	defer s.mu.Unlock()
	status, reply := s.serveResponseURLLocked(id, data)
	call := Call{Method: "response_url", At: s.now(), Params: map[string]string{"url": id}, Body: jsonOrString(data), Status: status}
	if status == http.StatusOK {
		call.Response = json.RawMessage(reply)
	} else {
		call.Error = reply
	}
	s.calls = append(s.calls, call)
	s.logf("slackemu: response_url -> %d %s", status, call.Error)
	s.notifyLocked()

	if status == http.StatusOK {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, reply)
}

func (s *Server) serveResponseURLLocked(id string, data []byte) (int, string) {
	rc, ok := s.responseURLs[id]
	if !ok {
		s.violateLocked("post to unknown response_url %q", id)
		return http.StatusNotFound, "no_active_hooks"
	}
	rc.uses++
	if rc.uses > responseURLMaxUses {
		s.violateLocked("response_url used %d times (max %d)", rc.uses, responseURLMaxUses)
		return http.StatusNotFound, "used_url"
	}
	var body responseURLBody
	if err := json.Unmarshal(data, &body); err != nil {
		return http.StatusBadRequest, "invalid_payload"
	}
	in := &msgInput{text: body.Text, hasText: true, metadata: body.Metadata, threadTS: body.ThreadTS}
	if len(body.Blocks) > 0 && string(body.Blocks) != "null" {
		if err := json.Unmarshal(body.Blocks, &in.blocks); err != nil {
			return http.StatusBadRequest, "invalid_blocks_format"
		}
		in.hasBlocks = true
	}
	if len(body.Attachments) > 0 && string(body.Attachments) != "null" && string(body.Attachments) != "[]" {
		in.attachments = body.Attachments
	}

	_, orig := s.findMessageLocked(rc.channel, rc.origTS)
	if body.DeleteOriginal {
		if orig != nil {
			i, _ := s.findMessageLocked(rc.channel, rc.origTS)
			s.messages = append(s.messages[:i], s.messages[i+1:]...)
			s.notifyLocked()
		}
		return http.StatusOK, `{"ok":true}`
	}
	if bad := s.checkMessageLocked("response_url", in, false); bad != nil {
		return http.StatusBadRequest, bad["error"].(string)
	}
	if body.ReplaceOriginal && orig != nil {
		orig.Updates++
		orig.editedTS = s.nextTSLocked()
		orig.Ephemeral = orig.Ephemeral && body.ResponseType != "in_channel"
		s.applyContentLocked(orig, in)
		s.notifyLocked()
		return http.StatusOK, `{"ok":true}`
	}
	m := s.storeMessageLocked(&Message{
		Channel:   rc.channel,
		User:      rc.user,
		Ephemeral: body.ResponseType != "in_channel",
		Via:       "response_url",
	}, in)
	if rc.origTS == "" || orig == nil {
		rc.origTS = m.TS
	}
	return http.StatusOK, `{"ok":true}`
}

// jsonOrString returns data if it is JSON, else data as a JSON string.
func jsonOrString(data []byte) json.RawMessage {
	if json.Valid(data) {
		return json.RawMessage(data)
	}
	b, _ := json.Marshal(string(data))
	return b
}

// conversationsHistory lists a conversation's messages, newest first: those
// after oldest (a ts, exclusive), up to limit (default 100, at most 999).
// Message metadata is included only with include_all_metadata, as in Slack.
func (s *Server) conversationsHistory(r *apiRequest) response {
	arg := r.str("channel")
	ch, _, ok := s.resolveChannelLocked(arg)
	if !ok || strings.HasPrefix(arg, "U") || strings.HasPrefix(arg, "W") {
		return errResp("channel_not_found") // a conversation ID, not a user's
	}
	if code := s.channelAccessLocked(ch, "channel_not_found"); code != "" && code != "is_archived" {
		return errResp(code)
	}
	limit := 100
	if l, err := strconv.Atoi(r.str("limit")); err == nil && l > 0 {
		limit = min(l, 999)
	}
	oldest, _ := strconv.ParseFloat(r.str("oldest"), 64)
	withMeta := r.str("include_all_metadata") == "true" || r.str("include_all_metadata") == "1"
	var out []json.RawMessage
	for i := len(s.messages) - 1; i >= 0 && len(out) < limit; i-- {
		m := s.messages[i]
		if m.Channel != ch || m.Ephemeral || m.Via == "response_url" || m.Via == "command_ack" {
			continue
		}
		if ts, _ := strconv.ParseFloat(m.TS, 64); ts <= oldest {
			continue
		}
		raw := m.Raw
		if !withMeta && m.Metadata != nil {
			var obj map[string]any
			_ = json.Unmarshal(raw, &obj)
			delete(obj, "metadata")
			raw, _ = json.Marshal(obj)
		}
		out = append(out, raw)
	}
	return okResp("messages", out, "has_more", false)
}
