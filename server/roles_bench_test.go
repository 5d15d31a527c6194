package server_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/fieldcrm/fieldcrm/server"
)

// BenchmarkSettingsSetOnABook: an operator stores a settings version on
// a server of 10,000 leads (two activities each), alternating two
// versions, so that every set stores one and reads every lead for the
// orphans. In "moved" the versions swap the solution stage and the leads'
// stage, so support's sight is worked out again for every lead
// (roles.go); in "same-order" they differ by a comment only.
//
//	go test ./server -run '^$' -bench SettingsSetOnABook -benchtime 10x -benchmem
func BenchmarkSettingsSetOnABook(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "srv")
	seedBook(b, dir, "ann", 10000, 2) // bench_test.go: leads at qualified
	st, err := server.OpenBolt(dir, true)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	svc := &server.Service{Store: st, ParseSettings: parseSettings}
	doc := companyDoc("prospect", "qualified", "solution")
	for _, c := range []struct {
		name string
		docs []string
	}{
		{"moved", []string{doc, companyDoc("prospect", "solution", "qualified")}},
		{"same-order", []string{doc, doc + "# another version\n"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			for i := 0; b.Loop(); i++ {
				if res, err := svc.SetSettings(ctx, c.docs[i%2]); err != nil || !res.OK() || res.Unchanged {
					b.Fatalf("%+v %v", res, err)
				}
			}
		})
	}
}
