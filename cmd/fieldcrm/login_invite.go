package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/remote"
)

// loginInvite is `fieldcrm login --invite CODE`: the code is exchanged for
// a token, which goes only into this laptop's config (0600).
func (a *app) loginInvite(url, user, token, code string, rebind bool, unsynced string, insecure bool) error {
	if url == "" {
		return errors.New("give --server too: the address your administrator gave you with the code")
	}
	if token != "" {
		return errors.New("give --invite or --token, not both")
	}
	c, err := remote.NewClient(url, "")
	if err != nil {
		return err
	}
	if plainToRemote(url) && !insecure {
		fmt.Fprintf(a.err, "fieldcrm: warning: %s is plain http to another machine: the token this code gives and every change you sync travel unencrypted; ask your administrator for an https:// address (--insecure silences this warning)\n", model.Printable(url))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	got, err := c.Redeem(ctx, code)
	if err != nil {
		return fmt.Errorf("login to %s: %w", url, err)
	}
	if user != "" && got.User != user {
		// The code is spent: keep the token rather than lose the account.
		printf(a.err, "fieldcrm: the code was for %s, not %s\n", got.User, user)
	}
	said, err := a.bindBook(c.Server(), got.User, rebind, unsynced)
	if err != nil {
		// The code is spent and the token exists nowhere else: show it
		// once, so the person can log in when the book question is settled.
		printf(a.err, "fieldcrm: the invitation gave %s a token, but this book was not logged in. To use it later:\n  fieldcrm login --server %s --user %s --token %s\n",
			got.User, url, got.User, got.Token)
		return err
	}
	a.cfg.Server, a.cfg.Token, a.cfg.User = url, got.Token, got.User
	if err := a.cfg.Save(); err != nil {
		return fmt.Errorf("save the config: %w", err)
	}
	for _, line := range said {
		fmt.Fprintln(a.out, line)
	}
	printf(a.out, "logged in to %s as %s (%s) with a token kept only on this laptop; run 'fieldcrm sync' to sync now\n", url, got.User, got.Role)
	return nil
}
