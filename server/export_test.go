package server

import (
	"context"

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
