package store

import "time"

// Backdate sets the wall time this transaction's next writes carry (a
// request's requested_at, an order's created_at, a stage's entry): the
// demo generator writes a book's past, months of approvals and service
// work, in one transaction. Stamps stay in order, since the clock takes
// the later of its last stamp and the wall time.
func (t *Tx) Backdate(at time.Time) { t.now = at }
