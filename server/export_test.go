package server

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	"github.com/fieldcrm/fieldcrm/model"
)

// Test hooks for server_test.

// ReadInTurn makes s read and check each op of a push in its turn, on the
// push's goroutine, as before readOps read them at once (freshCreate).
func ReadInTurn(s *Service) { s.readInTurn = true }

// OpenPostgresUpTo opens a PostgreSQL storage migrated only up to version.
func OpenPostgresUpTo(ctx context.Context, url string, version int) (*PGStorage, error) {
	return openPostgres(ctx, url, version)
}

// PGMigrationVersions lists the schema migrations' versions in order.
func PGMigrationVersions() []int {
	var out []int
	for _, m := range pgMigrations {
		out = append(out, m.Version)
	}
	return out
}

// PrefetchRecords reads refs ahead in tx as a push on PostgreSQL does.
func PrefetchRecords(tx Tx, refs []model.EntityRef) error {
	return tx.(prefetcher).prefetchRecords(refs)
}

// Prefetch reads op ids and records ahead in tx as a push on PostgreSQL
// does; a storage that does not read ahead (bbolt) does nothing.
func Prefetch(tx Tx, ids []string, refs []model.EntityRef) error {
	p, ok := tx.(prefetcher)
	if !ok {
		return nil
	}
	return errors.Join(p.prefetchSeqs(ids), p.prefetchRecords(refs))
}

// OpJSON returns the JSON of a change's op, as a page sends it: unpacked
// from the log's form when it came from the log.
func (c PullChange) OpJSON() (json.RawMessage, error) {
	if c.Packed != nil {
		return jsonpack.Unpack(nil, c.Packed)
	}
	return c.Op, nil
}

// IsOp reports whether the change is an op.
func (c PullChange) IsOp() bool { return c.Op != nil || c.Packed != nil }

// SetMaxGiveWay sets how long the start-up check waits for syncs before
// a chunk, until restore is called.
func SetMaxGiveWay(d time.Duration) (restore func()) {
	old := maxGiveWay
	maxGiveWay = d
	return func() { maxGiveWay = old }
}

// Syncing counts a sync being served by s until done is called.
func Syncing(s *Service) (done func()) { return s.syncing() }

// CheckDataGivingWay is CheckData as the start-up check runs it.
func CheckDataGivingWay(ctx context.Context, s *Service, max int) (CheckReport, error) {
	return s.CheckData(givingWay(ctx), max)
}
