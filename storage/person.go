package storage

import (
	"context"
	"time"

	"github.com/massperform/massperform/review"
)

type personRow struct {
	ID            int64
	SlackID       string
	Email         string
	Name          string
	Unit          string
	ManagerID     *int64
	HR            bool `gorm:"column:hr"`
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

// CountDirectReports returns how many active people report to managerID.
func (s *Store) CountDirectReports(ctx context.Context, managerID int64) (int, error) {
	var n int64
	err := s.read(ctx).Model(&personRow{}).Where("manager_id = ? AND active", managerID).Count(&n).Error
	return int(n), s.wrap("count direct reports", err)
}
