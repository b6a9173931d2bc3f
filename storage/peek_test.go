package storage

import "context"

// OutboxMessage returns the status and message of the notification queued
// under key, for tests of what the store keeps.
func (s *Store) OutboxMessage(ctx context.Context, key string) (status, payload string, err error) {
	var r outboxRow
	err = s.read(ctx).Where("dedup_key = ?", key).Take(&r).Error
	return r.Status, r.Payload, err
}
