package review

import (
	"sort"
	"strings"
	"time"
)

// Person is someone on the roster. Only people on the roster take part in
// the program; everyone else in the workspace is a stranger to the bot.
type Person struct {
	ID        int64
	SlackID   string
	Email     string // lower case
	Name      string
	Unit      string // e.g. "EOHHS/Public Health"; see Secretariat
	ManagerID int64  // 0 for the top of the tree
	HR        bool   // HR rights from the roster
	Active    bool   // false once removed from the roster
	HireDate  Date   // zero when unknown
	TZ        string // IANA zone from the Slack profile, "" when unknown
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Secretariat returns the top of the person's unit path: units are written
// as "Secretariat/Agency/…" and roll up to their first part.
func (p Person) Secretariat() string {
	s, _, _ := strings.Cut(p.Unit, "/")
	return s
}

// Reviewed reports whether the person has a review in the program: only
// people with a manager on the roster do; the top of the tree has nobody
// to review them here.
func (p Person) Reviewed() bool { return p.Active && p.ManagerID != 0 }

// Actor is whoever is acting: a Slack user, who may or may not be on the
// roster, with HR rights if the roster or the HR_USERS setting gives them.
type Actor struct {
	SlackID string
	Person  *Person // nil when the Slack user is not on the roster
	HR      bool
}

// AuditName is how the actor is recorded in the audit log.
func (a Actor) AuditName() string {
	if a.SlackID == "" {
		return "system"
	}
	return a.SlackID
}

// OnRoster reports whether the actor is an active person on the roster.
func (a Actor) OnRoster() bool { return a.Person != nil && a.Person.Active }

// HRDirectory says who has HR rights beyond the roster's hr column: Slack
// user IDs and emails listed in the HR_USERS setting.
type HRDirectory struct {
	ids    map[string]bool
	emails map[string]bool
}

// NewHRDirectory reads entries that are Slack user IDs (U…, W…) or emails.
func NewHRDirectory(entries []string) HRDirectory {
	h := HRDirectory{ids: map[string]bool{}, emails: map[string]bool{}}
	for _, e := range entries {
		e = strings.TrimSpace(e)
		switch {
		case e == "":
		case strings.Contains(e, "@"):
			h.emails[strings.ToLower(e)] = true
		default:
			h.ids[strings.ToUpper(e)] = true
		}
	}
	return h
}

// Entries returns the Slack user IDs and the emails the directory lists.
func (h HRDirectory) Entries() (ids, emails []string) {
	for id := range h.ids {
		ids = append(ids, id)
	}
	for e := range h.emails {
		emails = append(emails, e)
	}
	sort.Strings(ids)
	sort.Strings(emails)
	return ids, emails
}

// IsHR reports whether the Slack user, with their roster entry if any, has
// HR rights.
func (h HRDirectory) IsHR(slackID string, p *Person) bool {
	if h.ids[strings.ToUpper(slackID)] {
		return true
	}
	return p != nil && p.Active && (p.HR || h.emails[strings.ToLower(p.Email)])
}
