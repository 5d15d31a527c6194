package store

import (
	"time"

	"github.com/fieldcrm/fieldcrm/model"
)

// What a generator that writes a book's past needs (the demo: months of
// approvals and service work written in one transaction).

// Backdate sets the wall time this transaction's next writes carry (a
// request's requested_at, an order's created_at). Stamps stay in order,
// since the clock takes the later of its last stamp and the wall time.
func (t *Tx) Backdate(at time.Time) { t.now = at }

// HandOff creates the work winning l hands on, as the move to won does
// (handOff), for a lead written won already: its service orders and its
// support task, unless it has service orders.
func (t *Tx) HandOff(l *model.Lead) error { return t.handOff(l) }
