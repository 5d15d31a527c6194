package remote

import (
	"fmt"

	"github.com/fieldcrm/fieldcrm/store"
)

// AccountError says a book is bound to another account than the one the
// client logs in as; nothing was synced.
type AccountError struct {
	Book   store.Binding // the account the book belongs to
	Server string        // the account the client logs in as
	User   string
}

func (e *AccountError) Error() string {
	return fmt.Sprintf("this book belongs to %s on %s, but fieldcrm is logged in as %s on %s, so nothing was synced; "+
		"log in as %s again ('fieldcrm login --server %s --user %s'), open %s's own book with --db, "+
		"or hand this book to %s with 'fieldcrm login --rebind'",
		e.Book.User, e.Book.Server, e.User, e.Server, e.Book.User, e.Book.Server, e.Book.User, e.User, e.User)
}

// CheckAccount makes sure st may sync as c's account (c.User on
// c.Server()): a book bound to no account is bound to it, in the same
// transaction as its first sync state; a book bound to another account is
// refused with an *AccountError. A client without a User checks nothing.
func CheckAccount(st *store.Store, c *Client) error {
	if c.User == "" {
		return nil
	}
	server := c.Server()
	var bound store.Binding
	err := st.View(func(tx *store.Tx) error { bound = tx.Binding(); return nil })
	if err != nil {
		return err
	}
	if bound.IsZero() {
		err := st.Update(func(tx *store.Tx) error {
			if bound = tx.Binding(); !bound.IsZero() {
				return nil // another process bound it meanwhile: check that
			}
			return tx.Bind(server, c.User)
		})
		if err != nil || bound.IsZero() {
			return err
		}
	}
	if bound.Server != server || bound.User != c.User {
		return &AccountError{Book: bound, Server: server, User: c.User}
	}
	return nil
}
