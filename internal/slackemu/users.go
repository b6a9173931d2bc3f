package slackemu

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // user time zones must resolve on machines without zoneinfo
)

// User is a workspace member.
type User struct {
	ID       string `json:"id"`
	Name     string `json:"name"`      // the handle; default: the email's local part, else the ID
	RealName string `json:"real_name"` // default: Name
	Email    string `json:"email"`
	TZ       string `json:"tz"`        // IANA zone; default "America/New_York"
	TZOffset int    `json:"tz_offset"` // seconds east of UTC; computed from TZ when 0
	Deleted  bool   `json:"deleted"`
	IsBot    bool   `json:"is_bot"`
}

type userRec struct {
	User
	idx  int             // position in Server.users
	dm   string          // the user's DM channel with the bot ("D…")
	json json.RawMessage // the users.list/users.info member object, precomputed
}

type tzInfo struct {
	label  string
	offset int
}

type dndState struct {
	enabled    bool
	start, end int64
}

// AddUser adds a user to the workspace, or replaces the user with the same
// ID. TZ defaults to "America/New_York" and TZOffset is computed from TZ
// when zero.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addUserLocked(u)
}

// AddUsers adds several users at once (faster than AddUser in a loop).
func (s *Server) AddUsers(us []User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range us {
		s.addUserLocked(u)
	}
}

func (s *Server) addUserLocked(u User) *userRec {
	if u.Name == "" {
		if at := strings.IndexByte(u.Email, '@'); at > 0 {
			u.Name = strings.ToLower(u.Email[:at])
		} else {
			u.Name = strings.ToLower(u.ID)
		}
	}
	if u.RealName == "" {
		u.RealName = u.Name
	}
	if u.TZ == "" {
		u.TZ = "America/New_York"
	}
	tz, ok := s.tzCache[u.TZ]
	if !ok {
		tz = tzInfo{label: u.TZ}
		if loc, err := time.LoadLocation(u.TZ); err == nil {
			var name string
			name, tz.offset = time.Now().In(loc).Zone()
			tz.label = tzLabel(name)
		}
		s.tzCache[u.TZ] = tz
	}
	if u.TZOffset == 0 {
		u.TZOffset = tz.offset
	}
	label := tz.label
	rec := &userRec{User: u, dm: dmChannelFor(u.ID)}
	rec.json = s.userJSON(rec, label)

	if old, ok := s.usersByID[u.ID]; ok {
		if old.Email != "" {
			delete(s.usersByEmail, strings.ToLower(old.Email))
		}
		rec.idx = old.idx
		s.users[old.idx] = rec
	} else {
		rec.idx = len(s.users)
		s.users = append(s.users, rec)
	}
	s.usersByID[u.ID] = rec
	if u.Email != "" {
		s.usersByEmail[strings.ToLower(u.Email)] = rec
	}
	s.dmToUser[rec.dm] = u.ID
	s.notifyLocked()
	return rec
}

func (s *Server) addBuiltinUsers() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addUserLocked(User{ID: s.cfg.BotUserID, Name: "massperform", RealName: "MassPerform", IsBot: true, TZ: "America/Los_Angeles"})
	// Slackbot famously has is_bot false.
	s.addUserLocked(User{ID: "USLACKBOT", Name: "slackbot", RealName: "Slackbot", TZ: "America/Los_Angeles"})
}

// builtinUser reports whether id is one of the users every workspace has.
func (s *Server) builtinUser(id string) bool {
	return id == s.cfg.BotUserID || id == "USLACKBOT"
}

type userProfileJSON struct {
	RealName              string `json:"real_name"`
	RealNameNormalized    string `json:"real_name_normalized"`
	DisplayName           string `json:"display_name"`
	DisplayNameNormalized string `json:"display_name_normalized"`
	Email                 string `json:"email,omitempty"`
	Team                  string `json:"team"`
	AvatarHash            string `json:"avatar_hash"`
	Image24               string `json:"image_24"`
	Image48               string `json:"image_48"`
	Image72               string `json:"image_72"`
	BotID                 string `json:"bot_id,omitempty"`
	APIAppID              string `json:"api_app_id,omitempty"`
	AlwaysActive          bool   `json:"always_active,omitempty"`
}

type userJSON struct {
	ID                string          `json:"id"`
	TeamID            string          `json:"team_id"`
	Name              string          `json:"name"`
	Deleted           bool            `json:"deleted"`
	Color             string          `json:"color"`
	RealName          string          `json:"real_name"`
	TZ                string          `json:"tz"`
	TZLabel           string          `json:"tz_label"`
	TZOffset          int             `json:"tz_offset"`
	Profile           userProfileJSON `json:"profile"`
	IsAdmin           bool            `json:"is_admin"`
	IsOwner           bool            `json:"is_owner"`
	IsPrimaryOwner    bool            `json:"is_primary_owner"`
	IsRestricted      bool            `json:"is_restricted"`
	IsUltraRestricted bool            `json:"is_ultra_restricted"`
	IsBot             bool            `json:"is_bot"`
	IsAppUser         bool            `json:"is_app_user"`
	Updated           int64           `json:"updated"`
	IsEmailConfirmed  bool            `json:"is_email_confirmed"`
}

// userJSON renders a user the way users.list and users.info do.
func (s *Server) userJSON(u *userRec, tzLabel string) json.RawMessage {
	avatar := "https://secure.gravatar.com/avatar/" + u.ID + "?s="
	p := userProfileJSON{
		RealName:              u.RealName,
		RealNameNormalized:    u.RealName,
		DisplayName:           u.Name,
		DisplayNameNormalized: u.Name,
		Team:                  s.cfg.TeamID,
		AvatarHash:            "g" + u.ID,
		Image24:               avatar + "24",
		Image48:               avatar + "48",
		Image72:               avatar + "72",
	}
	if !u.IsBot {
		p.Email = u.Email
	}
	if u.ID == s.cfg.BotUserID {
		p.BotID, p.APIAppID, p.AlwaysActive = s.cfg.BotID, s.cfg.AppID, true
	}
	b, _ := json.Marshal(userJSON{
		ID:               u.ID,
		TeamID:           s.cfg.TeamID,
		Name:             u.Name,
		Deleted:          u.Deleted,
		Color:            "9f69e7",
		RealName:         u.RealName,
		TZ:               u.TZ,
		TZLabel:          tzLabel,
		TZOffset:         u.TZOffset,
		Profile:          p,
		IsBot:            u.IsBot,
		Updated:          1700000000,
		IsEmailConfirmed: u.Email != "",
	})
	return b
}

// tzLabel turns a zone abbreviation into Slack's tz_label.
func tzLabel(abbr string) string {
	if l, ok := tzLabels[abbr]; ok {
		return l
	}
	return abbr
}

var tzLabels = map[string]string{
	"EST": "Eastern Standard Time", "EDT": "Eastern Daylight Time",
	"CST": "Central Standard Time", "CDT": "Central Daylight Time",
	"MST": "Mountain Standard Time", "MDT": "Mountain Daylight Time",
	"PST": "Pacific Standard Time", "PDT": "Pacific Daylight Time",
	"UTC": "Coordinated Universal Time", "GMT": "Greenwich Mean Time",
	"BST": "British Summer Time", "CET": "Central European Time",
	"CEST": "Central European Summer Time", "IST": "India Standard Time",
	"JST": "Japan Standard Time", "AEST": "Australian Eastern Standard Time",
	"AEDT": "Australian Eastern Daylight Time",
}

// dmChannelFor is the stable DM channel ID of a user: "U123" -> "D123".
func dmChannelFor(userID string) string {
	if strings.HasPrefix(userID, "U") || strings.HasPrefix(userID, "W") {
		return "D" + userID[1:]
	}
	return "D" + userID
}

// Channel is a channel of the workspace.
type Channel struct {
	ID   string `json:"id"` // C… or G…
	Name string `json:"name"`
	// Private makes it a private channel: to an app that is not in it, it
	// does not exist (channel_not_found).
	Private bool `json:"private,omitempty"`
	// Members are the users in it, by ID; the bot is in it when its user
	// (Config.BotUserID) is. Nil makes everyone a member, the bot too.
	Members []string `json:"members,omitempty"`
	// Archived channels take no messages (is_archived).
	Archived bool `json:"archived,omitempty"`
	// ExtShared marks a channel shared with another organisation (Slack
	// Connect).
	ExtShared bool `json:"ext_shared,omitempty"`
}

// AddChannel adds a public channel (C…) that everyone is a member of, the
// bot included.
func (s *Server) AddChannel(id, name string) { s.PutChannel(Channel{ID: id, Name: name}) }

// PutChannel adds a channel, or changes one: made private or public, the
// bot invited or removed (a new list of Members), archived.
func (s *Server) PutChannel(c Channel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.Members = slices.Clone(c.Members)
	s.channels[c.ID] = &c
	s.notifyLocked()
}

// botInLocked reports whether the bot is a member of c. s.mu must be held.
func (s *Server) botInLocked(c *Channel) bool {
	return c.Members == nil || slices.Contains(c.Members, s.cfg.BotUserID)
}

// channelAccessLocked says whether the bot may read or post in the
// conversation id resolves to: "" when it may, else Slack's error (a
// private channel the bot is not in does not exist for it; a public one
// it is not in takes no posts). s.mu must be held.
func (s *Server) channelAccessLocked(id, notFound string) string {
	c, ok := s.channels[id]
	switch {
	case !ok:
		return ""
	case c.Private && !s.botInLocked(c):
		return notFound
	case !s.botInLocked(c):
		return "not_in_channel"
	case c.Archived:
		return "is_archived"
	}
	return ""
}

// SetDND configures what dnd.info and dnd.teamInfo report for a user. With
// on, the user is in Do Not Disturb from now until until: dnd_enabled is
// true, next_dnd_start_ts is now and next_dnd_end_ts is until. With !on,
// dnd_enabled is false and both timestamps are 1, as Slack reports for
// users without a schedule.
func (s *Server) SetDND(userID string, on bool, until time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on {
		s.dnd[userID] = dndState{enabled: true, start: time.Now().Unix(), end: until.Unix()}
	} else {
		delete(s.dnd, userID)
	}
}

func (s *Server) dndJSONLocked(userID string) map[string]any {
	d, ok := s.dnd[userID]
	if !ok {
		return map[string]any{"dnd_enabled": false, "next_dnd_start_ts": 1, "next_dnd_end_ts": 1}
	}
	return map[string]any{"dnd_enabled": d.enabled, "next_dnd_start_ts": d.start, "next_dnd_end_ts": d.end}
}

// Users returns the workspace's users in insertion order (including the
// bot user and Slackbot).
func (s *Server) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]User, len(s.users))
	for i, u := range s.users {
		out[i] = u.User
	}
	return out
}

// DMChannel returns the ID of the DM channel between the bot and userID.
func (s *Server) DMChannel(userID string) string { return dmChannelFor(userID) }

// resolveChannelLocked maps a channel argument (C…, G…, D… or a user ID)
// to a conversation ID and, for DMs, the user. ok is false when the
// channel does not exist.
func (s *Server) resolveChannelLocked(ch string) (id, user string, ok bool) {
	if u, found := s.usersByID[ch]; found {
		return u.dm, u.ID, true
	}
	if uid, found := s.dmToUser[ch]; found {
		return ch, uid, true
	}
	if _, found := s.channels[ch]; found {
		return ch, "", true
	}
	return "", "", false
}
