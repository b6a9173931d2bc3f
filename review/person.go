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
	HR        bool   // HR rights from the roster: HRRole is not HRNone
	HRRole    HRRole // the roster's hr column
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
	// Role is the actor's HR role (HRD for HR_USERS), and Scope the part
	// of the organisation they see as HR: "" for all of it.
	Role  HRRole
	Scope string
}

// HRRole is the actor's HR role; an actor given HR rights without one
// (the command line, say) is central HR.
func (a Actor) HRRole() HRRole {
	if a.HR && a.Role == HRNone {
		return HRD
	}
	return a.Role
}

// HRFor reports whether the actor has HR rights over people in unit: HR
// whose scope holds the unit.
func (a Actor) HRFor(unit string) bool { return a.HR && InScope(a.Scope, unit) }

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
func (h HRDirectory) IsHR(slackID string, p *Person) bool { return h.Role(slackID, p) != HRNone }

// Role is the Slack user's HR role: HRD for someone HR_USERS lists (unless
// the roster makes them the CHRO), otherwise the roster's.
func (h HRDirectory) Role(slackID string, p *Person) HRRole {
	active := p != nil && p.Active
	role := HRNone
	if active {
		role = p.HRRole
		if role == HRNone && p.HR {
			role = HRD
		}
	}
	if role != CHRO && (h.ids[strings.ToUpper(slackID)] || active && h.emails[strings.ToLower(p.Email)]) {
		role = HRD
	}
	return role
}

// Actor is who is acting, with their HR role and its scope.
func (h HRDirectory) Actor(slackID string, p *Person) Actor {
	a := Actor{SlackID: slackID, Person: p, Role: h.Role(slackID, p)}
	a.HR = a.Role != HRNone
	if a.HR && p != nil {
		a.Scope, _ = a.Role.Scope(p.Unit)
	}
	return a
}
