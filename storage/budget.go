package storage

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

type budgetRow struct {
	Method string `gorm:"primaryKey"`
	TAT    int64  `gorm:"column:tat"` // microseconds of real time since the Unix epoch
}

func (budgetRow) TableName() string { return "slack_budget" }

// UpdateSlackBudget reads the instant the workspace's Slack budget keeps
// for method (zero when it has none yet) and, when change says so, stores
// the one it returns. The row is locked meanwhile (on SQLite, the
// database is), so every process that shares the database decides in
// turn: this is how replicas spend one budget, as Slack counts it. It
// implements bot.Budget.
func (s *Store) UpdateSlackBudget(ctx context.Context, method string, change func(tat time.Time) (time.Time, bool)) error {
	return s.tx(ctx, "slack budget", func(tx *gorm.DB, _ time.Time) error {
		var rows []budgetRow
		lock := func() error {
			return tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("method = ?", method).Find(&rows).Error
		}
		if err := lock(); err != nil {
			return err
		}
		if len(rows) == 0 {
			// The method's first call: make its row (another process may
			// be making it too), then lock it.
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&budgetRow{Method: method}).Error; err != nil {
				return err
			}
			if err := lock(); err != nil {
				return err
			}
		}
		var tat time.Time
		if len(rows) == 1 && rows[0].TAT != 0 {
			tat = time.UnixMicro(rows[0].TAT)
		}
		next, ok := change(tat)
		if !ok {
			return nil
		}
		return tx.Model(&budgetRow{}).Where("method = ?", method).Update("tat", next.UnixMicro()).Error
	})
}
