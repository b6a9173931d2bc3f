package slackemu

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

const (
	usersListDefaultLimit = 100
	usersListMaxLimit     = 1000
	dndTeamInfoMaxUsers   = 50
)

func (s *Server) appsConnectionsOpen(_ *apiRequest) response {
	ticket := randHex(16)
	s.tickets[ticket] = s.now()
	return okResp("url", "ws"+strings.TrimPrefix(s.baseURL, "http")+"/link/?ticket="+ticket+"&app_id="+s.cfg.AppID)
}

func (s *Server) authTest(_ *apiRequest) response {
	return okResp(
		"url", "https://emulator.slack.com/",
		"team", "Emulator",
		"user", "massperform",
		"team_id", s.cfg.TeamID,
		"user_id", s.cfg.BotUserID,
		"bot_id", s.cfg.BotID,
		"is_enterprise_install", false,
	)
}

// botsInfo describes the app's bot (Config.BotID), with the app it
// belongs to: how an app learns its own app ID from a bot token.
func (s *Server) botsInfo(r *apiRequest) response {
	if r.str("bot") != s.cfg.BotID {
		return errResp("bot_not_found")
	}
	return okResp("bot", map[string]any{
		"id": s.cfg.BotID, "app_id": s.cfg.AppID, "user_id": s.cfg.BotUserID, "name": "massperform",
		"deleted": false, "updated": 1700000000, "icons": map[string]any{},
	})
}

// usersList pages with an opaque cursor that encodes the next user's ID,
// like Slack's ("dXNlcjpVMEc5V0ZYTlo=" is base64 of "user:U0G9WFXNZ").
// Users are kept in insertion order with an index by ID, so paging through
// 100,000 users costs O(page) per call.
func (s *Server) usersList(r *apiRequest) response {
	limit := usersListDefaultLimit
	if l := r.str("limit"); l != "" && l != "0" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 {
			return errResp("invalid_limit")
		}
		limit = min(n, usersListMaxLimit)
	}
	start := 0
	if c := r.str("cursor"); c != "" {
		raw, err := base64.StdEncoding.DecodeString(c)
		id, ok := strings.CutPrefix(string(raw), "user:")
		u, found := s.usersByID[id]
		if err != nil || !ok || !found {
			return errResp("invalid_cursor")
		}
		start = u.idx
	}
	skip := func(u *userRec) bool { return s.cfg.OmitBuiltinUsers && s.builtinUser(u.ID) }
	var buf bytes.Buffer
	if start < len(s.users) {
		buf.Grow(min(limit, len(s.users)-start) * (len(s.users[start].json) + 64))
	}
	buf.WriteString(`{"ok":true,"members":[`)
	n, i := 0, start
	for ; i < len(s.users) && n < limit; i++ {
		if skip(s.users[i]) {
			continue
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		buf.Write(s.users[i].json)
		n++
	}
	buf.WriteByte(']')
	for i < len(s.users) && skip(s.users[i]) {
		i++
	}
	next := ""
	if i < len(s.users) {
		next = base64.StdEncoding.EncodeToString([]byte("user:" + s.users[i].ID))
	}
	fmt.Fprintf(&buf, `,"cache_ts":%d,"response_metadata":{"next_cursor":%q}}`, s.now().Unix(), next)
	return rawResponse(buf.Bytes())
}

func (s *Server) usersInfo(r *apiRequest) response {
	if ids := r.str("users"); ids != "" && r.str("user") == "" {
		var out []json.RawMessage
		for id := range strings.SplitSeq(ids, ",") {
			u, ok := s.usersByID[strings.TrimSpace(id)]
			if !ok {
				return errResp("user_not_found")
			}
			out = append(out, s.withLocale(u.json, r))
		}
		return okResp("users", out)
	}
	u, ok := s.usersByID[r.str("user")]
	if !ok {
		return errResp("user_not_found")
	}
	return okResp("user", s.withLocale(u.json, r))
}

// withLocale adds "locale" to a user object when include_locale is set.
func (s *Server) withLocale(u json.RawMessage, r *apiRequest) json.RawMessage {
	if r.str("include_locale") != "true" {
		return u
	}
	return append(append(u[:len(u)-1:len(u)-1], `,"locale":"en-US"`...), '}')
}

func (s *Server) usersLookupByEmail(r *apiRequest) response {
	email := r.str("email")
	if email == "" {
		return errResp("invalid_arguments", "[ERROR] missing required field: email")
	}
	u, ok := s.usersByEmail[strings.ToLower(email)]
	if !ok {
		return errResp("users_not_found")
	}
	return okResp("user", u.json)
}

func (s *Server) conversationsOpen(r *apiRequest) response {
	if ch := r.str("channel"); ch != "" {
		id, _, ok := s.resolveChannelLocked(ch)
		if !ok {
			return errResp("channel_not_found")
		}
		return okResp("channel", map[string]any{"id": id})
	}
	users := strings.Split(r.str("users"), ",")
	if len(users) != 1 || users[0] == "" {
		if users[0] == "" {
			return errResp("users_list_not_supplied")
		}
		return errResp("not_implemented", "[ERROR] the emulator only opens 1:1 DMs")
	}
	u, ok := s.usersByID[strings.TrimSpace(users[0])]
	if !ok {
		return errResp("user_not_found")
	}
	if u.IsBot {
		return errResp("cannot_dm_bot")
	}
	already := s.openedIMs[u.dm]
	s.openedIMs[u.dm] = true
	ch := map[string]any{"id": u.dm}
	if r.str("return_im") == "true" {
		ch = map[string]any{"id": u.dm, "created": 1700000000, "is_im": true, "is_org_shared": false, "user": u.ID, "is_user_deleted": u.Deleted}
	}
	return okResp("no_op", already, "already_open", already, "channel", ch)
}

func (s *Server) dndInfo(r *apiRequest) response {
	id := r.str("user")
	if id == "" {
		id = s.cfg.BotUserID
	}
	if _, ok := s.usersByID[id]; !ok {
		return errResp("user_not_found")
	}
	resp := okResp()
	for k, v := range s.dndJSONLocked(id) {
		resp[k] = v
	}
	resp["snooze_enabled"] = false
	return resp
}

// dndTeamInfo serves up to 50 users, as documented. Slack does not
// document what happens above 50; the emulator answers too_many_users and
// records a violation so that callers batch correctly.
func (s *Server) dndTeamInfo(r *apiRequest) response {
	raw := strings.TrimSpace(r.str("users"))
	if raw == "" {
		return errResp("no_users_provided")
	}
	ids := strings.Split(raw, ",")
	if len(ids) > dndTeamInfoMaxUsers {
		s.violateLocked("dnd.teamInfo called with %d users (max %d)", len(ids), dndTeamInfoMaxUsers)
		return errResp("too_many_users")
	}
	out := map[string]any{}
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if _, ok := s.usersByID[id]; ok {
			out[id] = s.dndJSONLocked(id)
		}
	}
	return okResp("users", out)
}
