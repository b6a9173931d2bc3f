package storage

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/massperform/massperform/review"
)

type personRow struct {
	ID            int64
	SlackID       string
	Email         string
	Name          string
	Unit          string
	ManagerID     *int64
	HR            bool   `gorm:"column:hr"`
	HRRole        string `gorm:"column:hr_role"`
	Active        bool
	HireDate      string
	JoinedOn      string // the day they were added to the roster, or added back
	TZ            string `gorm:"column:tz"`
	TZRefreshedAt *time.Time
	LeftAt        *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (personRow) TableName() string { return "people" }

func (r personRow) domain() review.Person {
	p := review.Person{
		ID: r.ID, SlackID: r.SlackID, Email: r.Email, Name: r.Name, Unit: r.Unit,
		HR: r.HR, Active: r.Active, TZ: r.TZ, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
	if r.ManagerID != nil {
		p.ManagerID = *r.ManagerID
	}
	p.HireDate, _ = review.ParseDate(r.HireDate)
	p.HRRole, _ = review.ParseHRRole(r.HRRole)
	if p.HR && p.HRRole == review.HRNone {
		p.HRRole = review.HRD
	}
	return p
}

func people(rows []personRow) []review.Person {
	out := make([]review.Person, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out
}

// PersonBySlackID returns the roster entry of a Slack user, active or not.
func (s *Store) PersonBySlackID(ctx context.Context, slackID string) (review.Person, error) {
	var r personRow
	if err := s.read(ctx).Where("slack_id = ?", slackID).Take(&r).Error; err != nil {
		return review.Person{}, s.wrap("person by slack id", err)
	}
	return r.domain(), nil
}

// PersonByID returns a person, active or not.
func (s *Store) PersonByID(ctx context.Context, id int64) (review.Person, error) {
	var r personRow
	if err := s.read(ctx).Take(&r, id).Error; err != nil {
		return review.Person{}, s.wrap("person by id", err)
	}
	return r.domain(), nil
}

// People returns everyone on the roster, active or not, ordered by id.
func (s *Store) People(ctx context.Context) ([]review.Person, error) {
	var rows []personRow
	if err := s.read(ctx).Order("id").Find(&rows).Error; err != nil {
		return nil, s.wrap("people", err)
	}
	return people(rows), nil
}

// SenderBySlackID returns the person with this Slack ID and whether anyone
// active reports to them, in one query: what help needs to know of who
// asks.
func (s *Store) SenderBySlackID(ctx context.Context, slackID string) (review.Person, bool, error) {
	var r struct {
		Person  personRow `gorm:"embedded"`
		Manages bool
	}
	err := s.read(ctx).Table("people AS p").
		Select("p.*, EXISTS (SELECT 1 FROM people r WHERE r.manager_id = p.id AND r.active) AS manages").
		Where("p.slack_id = ?", slackID).Take(&r).Error
	if err != nil {
		return review.Person{}, false, s.wrap("person by slack id", err)
	}
	return r.Person.domain(), r.Manages, nil
}

// Subject is who sends a form or a click and whom it is about, as stored
// now.
type Subject struct {
	Sender  *review.Person // nil when the sender is not on the roster
	Person  review.Person
	Manager *review.Person // Person's manager; nil when they have none
}

// SubjectOf loads, in one query, the roster entry of the Slack user
// sending a form or a click, the person it names, and that person's
// manager. A person who does not exist is ENOTFOUND.
func (s *Store) SubjectOf(ctx context.Context, senderSlackID string, personID int64) (Subject, error) {
	var rows []personRow
	err := s.read(ctx).Where("slack_id = ? OR id = ? OR id = (SELECT manager_id FROM people WHERE id = ?)", senderSlackID, personID, personID).
		Find(&rows).Error
	if err != nil {
		return Subject{}, s.wrap("subject", err)
	}
	var sub Subject
	found := false
	for _, r := range rows {
		p := r.domain()
		if r.SlackID == senderSlackID {
			sub.Sender = &p
		}
		if r.ID == personID {
			sub.Person, found = p, true
		}
	}
	if !found {
		return Subject{}, s.wrap("subject", gorm.ErrRecordNotFound)
	}
	for _, r := range rows {
		if sub.Person.ManagerID != 0 && r.ID == sub.Person.ManagerID {
			p := r.domain()
			sub.Manager = &p
		}
	}
	return sub, nil
}

// PeopleBySlackID returns the roster entries, active or not, of these
// Slack users, by Slack id, in one query; those not on the roster are
// missing from it.
func (s *Store) PeopleBySlackID(ctx context.Context, slackIDs ...string) (map[string]review.Person, error) {
	var rows []personRow
	if err := s.read(ctx).Where("slack_id IN ?", slackIDs).Find(&rows).Error; err != nil {
		return nil, s.wrap("people by slack id", err)
	}
	out := make(map[string]review.Person, len(rows))
	for _, r := range rows {
		out[r.SlackID] = r.domain()
	}
	return out, nil
}
