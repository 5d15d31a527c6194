package demo

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
)

// TestSalesOnlyBookSyncsWithoutRefusals: a rep logs a sales-only demo
// book in and syncs it with a real server on 127.0.0.1: nothing is
// refused (the requests are the rep's own and pending, the hand-off is
// what the rep's move made, no colleague wrote anything); leadership's
// fresh laptop then holds every request to decide and every order.
func TestSalesOnlyBookSyncsWithoutRefusals(t *testing.T) {
	st := openTemp(t)
	if err := Generate(st, Options{Leads: 300, Now: now, SalesOnly: true}); err != nil {
		t.Fatal(err)
	}
	mine := readWork(t, st)
	srvStore, err := server.OpenBolt(filepath.Join(t.TempDir(), "srv"), true)
	if err != nil {
		t.Fatal(err)
	}
	svc := &server.Service{Store: srvStore}
	srv := httptest.NewServer(server.Handler(svc, server.Options{}))
	defer func() { srv.Close(); srvStore.Close() }()
	ctx := context.Background()
	sync := func(st *store.Store, user, role string) remote.Report {
		t.Helper()
		tok, err := svc.AddUser(ctx, user, role)
		if err != nil {
			t.Fatal(err)
		}
		c, err := remote.NewClient(srv.URL, tok)
		if err != nil {
			t.Fatal(err)
		}
		err = st.Update(func(tx *store.Tx) error {
			if _, err := tx.AdoptUnsynced(st.User(), user); err != nil {
				return err
			}
			return tx.Bind(c.Server(), user)
		})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := remote.Sync(ctx, st, c)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	if rep := sync(st, "ann", server.RoleRep); rep.Rejected > 0 || rep.Pushed < 3000 {
		t.Fatalf("the rep's sync: %+v", rep)
	}
	boss, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), "boss.db"), User: "wang", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer boss.Close()
	sync(boss, "wang", server.RoleLeadership)
	theirs := readWork(t, boss)
	pending := 0
	for _, a := range theirs.approvals {
		if a.Status() == model.Pending && a.RequestedBy == "ann" {
			pending++
		}
	}
	if pending != len(mine.approvals) || len(theirs.services) != len(mine.services) || len(theirs.leads) != 300 {
		t.Errorf("leadership holds %d pending requests of %d, %d orders of %d, %d leads", pending, len(mine.approvals),
			len(theirs.services), len(mine.services), len(theirs.leads))
	}
}
