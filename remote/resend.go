package remote

import (
	"context"
	"fmt"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/wire"
)

// After a server restore (a new epoch) the pull starts over, and the book
// resends what it wrote that the restored server may lack (store.Resend):
// noteSeen tells the book which entities the server has, page by page,
// and resendLost queues and pushes the rest once the pull is done.

// noteSeen records the entities a pulled page shows the server has.
func noteSeen(tx *store.Tx, resp wire.PullResponse) error {
	if tx.ResendPending() == "" {
		return nil
	}
	refs := make([]model.EntityRef, 0, len(resp.Changes))
	for _, ch := range resp.Changes {
		switch {
		case ch.Op != nil:
			refs = append(refs, ch.Op.Entity)
		case ch.State != nil:
			refs = append(refs, ch.State.Entity)
		}
	}
	return tx.NoteSeen(refs...)
}

// resendLost, when a resend waits and the pull from scratch has ended,
// queues what this replica wrote, pushes it, and pulls once more.
func resendLost(ctx context.Context, st *store.Store, c *Client, o Options, rep *Report) error {
	var pending string
	if err := st.View(func(tx *store.Tx) error { pending = tx.ResendPending(); return nil }); err != nil || pending == "" {
		return err
	}
	err := st.Update(func(tx *store.Tx) error {
		if tx.ResendPending() != pending || tx.SyncState().Epoch != pending {
			return nil // another sync resent meanwhile, or the epoch moved again
		}
		_, err := tx.Resend()
		return err
	})
	if err != nil {
		return fmt.Errorf("resend after the server's restore: %w", err)
	}
	if err := push(ctx, st, c, o, rep); err != nil {
		return err
	}
	return pull(ctx, st, c, o, rep) // the cursor catches up past the resent ops
}
