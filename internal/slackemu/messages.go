package slackemu

import (
	"context"
	"encoding/json"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// maxMessageText is Slack's limit on a message's text (msg_too_long above).
const maxMessageText = 40000

// Message is a message the bot caused to appear in Slack.
type Message struct {
	// Channel is the conversation ID (C…, G… or the user's D… DM channel).
	Channel string `json:"channel"`
	// User is, for DMs, the user the DM is with; for ephemeral messages and
	// replies to a user's command or click, the user who sees it.
	User     string          `json:"user,omitempty"`
	TS       string          `json:"ts"`
	ThreadTS string          `json:"thread_ts,omitempty"`
	Text     string          `json:"text"`
	Blocks   slack.Blocks    `json:"-"`
	Raw      json.RawMessage `json:"raw"` // the message object as Slack would return it
	// Ephemeral is true for chat.postEphemeral messages and ephemeral
	// response_url / slash-command replies.
	Ephemeral bool            `json:"ephemeral,omitempty"`
	Metadata  json.RawMessage `json:"metadata,omitempty"`
	// Via is how the message was sent: "chat.postMessage",
	// "chat.postEphemeral", "response_url", "command_ack" or
	// "files.completeUploadExternal".
	Via string `json:"via"`
	// Files are the IDs of the files shared with the message.
	Files []string `json:"files,omitempty"`
	// At is when the message arrived.
	At time.Time `json:"at"`
	// Updates counts chat.update / replace_original edits.
	Updates int `json:"updates,omitempty"`

	editedTS string
}

// msgInput is the content of a message being posted or updated.
type msgInput struct {
	text        string
	hasText     bool
	blocks      []any // normalized; nil when absent
	hasBlocks   bool
	attachments json.RawMessage
	metadata    json.RawMessage
	threadTS    string
}

// Messages returns the messages currently in Slack, in posting order
// (updated messages in place, deleted ones gone).
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.messages))
	for i, m := range s.messages {
		out[i] = *m
	}
	return out
}

// MessagesTo returns the messages for a user or a channel. For a user ID
// (U…) or the user's DM channel (D…): the DMs with that user, ephemeral
// messages shown to that user anywhere and replies to that user's commands
// and clicks. For a channel ID (C…, G…): the channel's messages.
func (s *Server) MessagesTo(userOrChannelID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messagesToLocked(userOrChannelID)
}

func (s *Server) messagesToLocked(id string) []Message {
	uid, isUser := s.dmToUser[id]
	if !isUser {
		uid = id
		_, isUser = s.usersByID[id]
	}
	var out []Message
	for _, m := range s.messages {
		if (isUser && m.User == uid) || (!isUser && m.Channel == id) {
			out = append(out, *m)
		}
	}
	return out
}

// WaitMessages waits until MessagesTo(userOrChannelID) has at least n
// messages and returns them.
func (s *Server) WaitMessages(ctx context.Context, userOrChannelID string, n int) ([]Message, error) {
	var out []Message
	err := s.waitFor(ctx, func() bool {
		out = s.messagesToLocked(userOrChannelID)
		return len(out) >= n
	})
	if err != nil {
		return out, err
	}
	return out, nil
}

// findMessageLocked finds a stored message by channel and ts.
func (s *Server) findMessageLocked(channel, ts string) (int, *Message) {
	for i, m := range s.messages {
		if m.Channel == channel && m.TS == ts {
			return i, m
		}
	}
	return -1, nil
}

// checkMessageLocked validates the content of a message. It returns the
// error response (nil if the message is fine); where names the caller for
// violations.
func (s *Server) checkMessageLocked(where string, in *msgInput, update bool) apiResponse {
	if in.hasBlocks {
		if issues := validateBlocksAny(SurfaceMessage, in.blocks, "/blocks"); len(issues) > 0 {
			s.violateLocked("%s: invalid_blocks: %s", where, issueRules(issues))
			return errResp("invalid_blocks", issueStrings(issues)...)
		}
	}
	if utf8.RuneCountInString(in.text) > maxMessageText {
		s.violateLocked("%s: msg_too_long: text has %d characters (max %d)", where, utf8.RuneCountInString(in.text), maxMessageText)
		return errResp("msg_too_long")
	}
	if !update && in.text == "" && len(in.blocks) == 0 && len(in.attachments) == 0 {
		return errResp("no_text")
	}
	return nil
}

// parseMsgInput reads text, blocks, attachments, metadata and thread_ts from
// a request.
func parseMsgInput(r *apiRequest) (*msgInput, apiResponse) {
	in := &msgInput{text: r.str("text"), threadTS: r.str("thread_ts")}
	_, in.hasText = r.params["text"]
	if raw, ok := r.raw("blocks"); ok {
		var blocks []any
		if err := json.Unmarshal(raw, &blocks); err != nil {
			return nil, errResp("invalid_blocks_format", "[ERROR] blocks must be a JSON array")
		}
		in.blocks, in.hasBlocks = blocks, true
	}
	if raw, ok := r.raw("attachments"); ok && string(raw) != "null" && string(raw) != "[]" {
		in.attachments = raw
	}
	if raw, ok := r.raw("metadata"); ok && string(raw) != "null" {
		in.metadata = raw
	}
	return in, nil
}

// storeMessageLocked records a new message; it normalizes the blocks
// (generating missing block_ids and action_ids as Slack does) and renders
// the raw message object.
func (s *Server) storeMessageLocked(m *Message, in *msgInput) *Message {
	if m.TS == "" {
		m.TS = s.nextTSLocked()
	}
	if m.At.IsZero() {
		m.At = time.Now()
	}
	s.applyContentLocked(m, in)
	s.messages = append(s.messages, m)
	s.notifyLocked()
	return m
}

// applyContentLocked sets a message's text/blocks/metadata from in and
// re-renders Raw.
func (s *Server) applyContentLocked(m *Message, in *msgInput) {
	if in.hasText || m.Raw == nil {
		m.Text = in.text
	}
	var blocks []any
	if in.hasBlocks {
		blocks = normalizeBlocks(in.blocks, s.randBlockID)
		m.Blocks = slack.Blocks{}
		b, _ := json.Marshal(blocks)
		_ = json.Unmarshal(b, &m.Blocks)
	} else if m.Raw != nil {
		var old struct {
			Blocks []any `json:"blocks"`
		}
		_ = json.Unmarshal(m.Raw, &old)
		blocks = old.Blocks
	}
	if in.metadata != nil {
		m.Metadata = in.metadata
	}
	if in.threadTS != "" {
		m.ThreadTS = in.threadTS
	}
	obj := map[string]any{
		"type":    "message",
		"user":    s.cfg.BotUserID,
		"bot_id":  s.cfg.BotID,
		"app_id":  s.cfg.AppID,
		"team":    s.cfg.TeamID,
		"text":    m.Text,
		"ts":      m.TS,
		"channel": m.Channel,
		"bot_profile": map[string]any{
			"id": s.cfg.BotID, "app_id": s.cfg.AppID, "name": "massperform",
			"team_id": s.cfg.TeamID, "deleted": false,
		},
	}
	if blocks != nil {
		obj["blocks"] = blocks
	}
	if m.ThreadTS != "" {
		obj["thread_ts"] = m.ThreadTS
	}
	if m.Metadata != nil {
		obj["metadata"] = m.Metadata
	}
	if in.attachments != nil {
		obj["attachments"] = in.attachments
	}
	if m.editedTS != "" {
		obj["edited"] = map[string]any{"user": s.cfg.BotUserID, "ts": m.editedTS}
	}
	if len(m.Files) > 0 {
		files := make([]map[string]any, 0, len(m.Files))
		for _, id := range m.Files {
			if f, ok := s.files[id]; ok {
				files = append(files, f.object(s.baseURL))
			}
		}
		obj["files"] = files
		obj["upload"] = true
	}
	m.Raw, _ = json.Marshal(obj)
	s.showLocked(m.audience(), m.Via, m.Text+"\n"+string(m.Raw))
}

// randBlockID generates a block_id/action_id the way Slack does for blocks
// and elements that have none (short random strings).
func (s *Server) randBlockID() string { return randAlnum(5) }

// Shown is something the bot put in front of someone: a message, a view,
// a file. To is the user who sees it, or the channel whose members do.
type Shown struct {
	To      string `json:"to"`
	Via     string `json:"via"`
	Content string `json:"content"`
}

// Shown returns everything the bot has shown to anyone, in order: every
// version of every message, view and file. Tests search it for what must
// not reach the wrong eyes.
func (s *Server) Shown() []Shown {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Shown(nil), s.shown...)
}

func (s *Server) showLocked(to, via, content string) {
	s.shown = append(s.shown, Shown{To: to, Via: via, Content: content})
}

// audience is who sees a message: the user of a DM, ephemeral message or
// reply, else the channel.
func (m *Message) audience() string {
	if m.User != "" {
		return m.User
	}
	return m.Channel
}
