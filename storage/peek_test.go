package storage

import "context"

// OutboxMessage returns the status and message of the notification queued
// under key, for tests of what the store keeps.
func (s *Store) OutboxMessage(ctx context.Context, key string) (status, payload string, err error) {
	var r outboxRow
	err = s.read(ctx).Where("dedup_key = ?", key).Take(&r).Error
	return r.Status, r.Payload, err
}

// ApprovalRowID returns the id of unit's approval row for fy, which the
// audit log names.
func (s *Store) ApprovalRowID(ctx context.Context, fy int, unit string) (int64, error) {
	var id int64
	err := s.read(ctx).Model(&ratingApprovalRow{}).Select("id").Where("fiscal_year = ? AND unit = ?", fy, unit).Scan(&id).Error
	return id, err
}

// PayRecordID returns the id of a person's pay record for a merit year.
func (s *Store) PayRecordID(ctx context.Context, personID int64, year string) (int64, error) {
	var id int64
	err := s.read(ctx).Model(&payRow{}).Select("id").Where("person_id = ? AND merit_year = ?", personID, year).Scan(&id).Error
	return id, err
}

// MeritProposalID returns the id of a person's merit proposal for a year.
func (s *Store) MeritProposalID(ctx context.Context, personID int64, year string) (int64, error) {
	var id int64
	err := s.read(ctx).Model(&meritProposalRow{}).Select("id").Where("person_id = ? AND merit_year = ?", personID, year).Scan(&id).Error
	return id, err
}
