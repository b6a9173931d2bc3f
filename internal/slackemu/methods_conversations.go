package slackemu

import "strings"

// conversationsInfo describes a conversation as the bot sees it: a
// private channel it is not in does not exist for it (channel_not_found),
// as at Slack; a public one says is_member false.
func (s *Server) conversationsInfo(r *apiRequest) response {
	arg := r.str("channel")
	ch, user, ok := s.resolveChannelLocked(arg)
	if !ok || strings.HasPrefix(arg, "U") || strings.HasPrefix(arg, "W") {
		return errResp("channel_not_found")
	}
	if user != "" {
		return okResp("channel", map[string]any{"id": ch, "is_im": true, "is_private": true, "user": user, "is_open": s.openedIMs[ch]})
	}
	c := s.channels[ch]
	if c.Private && !s.botInLocked(c) {
		return errResp("channel_not_found")
	}
	return okResp("channel", map[string]any{
		"id": c.ID, "name": c.Name, "name_normalized": c.Name,
		"is_channel": true, "is_group": false, "is_im": false, "is_mpim": false,
		"is_private": c.Private, "is_archived": c.Archived, "is_general": false,
		"is_shared": c.ExtShared, "is_ext_shared": c.ExtShared, "is_org_shared": false, "is_pending_ext_shared": false,
		"is_member": s.botInLocked(c), "created": 1700000000, "creator": s.cfg.BotUserID,
	})
}
