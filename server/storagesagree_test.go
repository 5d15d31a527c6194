package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/server"
)

// TestStoragesAgree runs the same random transactions on bbolt and on
// PostgreSQL and compares every answer: records, children, who sees a
// lead, the log's seqs, op ids, usage and what a scan gives, read within
// the transaction that wrote them and after it, with some transactions
// rolled back. PostgreSQL queues its writes, reads ahead what a push
// will look up, and answers reads from both; bbolt answers from its
// pages; the server's checks assume both answer alike.
func TestStoragesAgree(t *testing.T) {
	pg := pgReusedBackend(t)
	for seed := range uint64(16) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			bolt := boltBackend.open(t, t.TempDir())
			defer bolt.Close()
			pgst := pg.open(t, "")
			defer pgst.Close()
			agree(t, rand.New(rand.NewPCG(seed, 15)), bolt, pgst)
		})
	}
}

var errRollBack = errors.New("rolled back on purpose")

// agree runs 30 random transactions on a and b.
func agree(t *testing.T, r *rand.Rand, a, b server.Storage) {
	ctx := context.Background()
	id := func(kind byte, n int) string { return fmt.Sprintf("%08x-0000-4000-8000-%011x%c", n, n, kind) }
	users := []string{"ann", "bob", "cai", "dai"}
	pick := func(list []string) []string {
		var out []string
		for _, u := range list {
			if r.IntN(3) == 0 {
				out = append(out, u)
			}
		}
		return out
	}
	ref := func() model.EntityRef {
		if r.IntN(3) == 0 {
			return model.EntityRef{Type: model.TypeLead, ID: id('a', r.IntN(6))}
		}
		return model.EntityRef{Type: model.TypeActivity, ID: id('b', r.IntN(30))}
	}
	nextOp := 0
	for txn := range 30 {
		// Each step draws its arguments once and runs on both; what each
		// storage answers is compared.
		type step struct {
			what string
			run  func(tx server.Tx) (string, error)
		}
		var steps []step
		for range 5 + r.IntN(40) {
			switch k := r.IntN(11); k {
			case 0, 1:
				ref, v := ref(), r.IntN(1000)
				steps = append(steps, step{"put " + ref.ID, func(tx server.Tx) (string, error) {
					rec := model.NewRecord(ref.Type)
					rec.Fields = map[string]json.RawMessage{"id": json.RawMessage(`"` + ref.ID + `"`), "n": json.RawMessage(fmt.Sprint(v))}
					rec.Base = model.Stamp{HLC: model.HLC{Wall: int64(v), Node: "n"}, Actor: users[v%len(users)]}
					return "", tx.PutRecord(ref, rec)
				}})
			case 2:
				ref := ref()
				steps = append(steps, step{"record " + ref.ID, func(tx server.Tx) (string, error) {
					rec, ok, err := tx.Record(ref)
					if err != nil || !ok {
						return fmt.Sprint(ok), err
					}
					state, err := json.Marshal(rec)
					return string(model.EncodeFields(rec.Fields)) + string(state), err
				}})
			case 3:
				lead, child := id('a', r.IntN(6)), model.EntityRef{Type: model.TypeActivity, ID: id('b', r.IntN(30))}
				steps = append(steps, step{"add child", func(tx server.Tx) (string, error) { return "", tx.AddChild(lead, child) }})
			case 4:
				lead := id('a', r.IntN(6))
				steps = append(steps, step{"children of " + lead, func(tx server.Tx) (string, error) {
					kids, err := tx.Children(lead)
					var ids []string
					for _, k := range kids {
						ids = append(ids, k.Type+" "+k.ID)
					}
					slices.Sort(ids)
					recs, err2 := tx.ChildRecords(lead, model.TypeActivity)
					var have []string
					for ref, rec := range recs {
						have = append(have, ref.ID+"="+string(model.EncodeFields(rec.Fields)))
					}
					slices.Sort(have)
					return strings.Join(ids, ",") + " | " + strings.Join(have, ","), errors.Join(err, err2)
				}})
			case 5:
				lead, remove, add := id('a', r.IntN(6)), pick(users), pick(users)
				steps = append(steps, step{"set visible", func(tx server.Tx) (string, error) { return "", tx.SetVisible(lead, remove, add) }})
			case 6:
				lead, who := id('a', r.IntN(6)), pick(users)
				steps = append(steps, step{"visible " + lead, func(tx server.Tx) (string, error) {
					var out []string
					for _, u := range users {
						v, err := tx.Visible(u, lead)
						if err != nil {
							return "", err
						}
						out = append(out, fmt.Sprint(v))
					}
					anyone, err := tx.VisibleToAny(who, lead)
					return strings.Join(out, ",") + fmt.Sprint(" any ", anyone), err
				}})
			case 7:
				nextOp++
				opID, ref, user, v := id('c', nextOp%40), ref(), users[r.IntN(len(users))], r.IntN(1000)
				steps = append(steps, step{"append " + opID, func(tx server.Tx) (string, error) {
					if _, found, err := tx.OpSeq(opID); err != nil || found {
						return "there", err // the server never appends an op id twice
					}
					op := &model.Op{ID: opID, Entity: ref, Kind: model.OpSet,
						Fields: map[string]json.RawMessage{"n": json.RawMessage(fmt.Sprint(v))},
						HLC:    model.HLC{Wall: int64(1_700_000_000_000 + v), Node: "n"}, Actor: model.Actor{User: user}, Schema: 1}
					seq, err := tx.Append(server.LogEntry{Kind: server.EntryOp, Op: op, Lead: id('a', v%6)})
					return fmt.Sprint(seq), err
				}})
			case 8:
				lead, user, kind := id('a', r.IntN(6)), users[r.IntN(len(users))], []string{server.EntryGrant, server.EntryRevoke}[r.IntN(2)]
				steps = append(steps, step{"append " + kind, func(tx server.Tx) (string, error) {
					seq, err := tx.Append(server.LogEntry{Kind: kind, Lead: lead, User: user})
					return fmt.Sprint(seq), err
				}})
			case 10:
				var ids []string
				var refs []model.EntityRef
				for range 1 + r.IntN(8) {
					ids, refs = append(ids, id('c', r.IntN(40))), append(refs, ref())
				}
				steps = append(steps, step{"read ahead", func(tx server.Tx) (string, error) { return "", server.Prefetch(tx, ids, refs) }})
			case 9:
				opID, user := id('c', r.IntN(40)), users[r.IntN(len(users))]
				steps = append(steps, step{"op seq " + opID, func(tx server.Tx) (string, error) {
					seq, found, err := tx.OpSeq(opID)
					if err != nil {
						return "", err
					}
					head, err := tx.Head()
					if err != nil {
						return "", err
					}
					usage, err := tx.Usage(user)
					return fmt.Sprint(seq, found, " head ", head, " usage ", usage), err
				}})
			}
		}
		rollBack := r.IntN(5) == 0
		answers := [2][]string{}
		for i, st := range []server.Storage{a, b} {
			err := st.Update(ctx, func(tx server.Tx) error {
				for _, s := range steps {
					got, err := s.run(tx)
					if err != nil {
						return fmt.Errorf("%s: %w", s.what, err)
					}
					answers[i] = append(answers[i], s.what+": "+got)
				}
				if rollBack {
					return errRollBack
				}
				return nil
			})
			if err != nil && !errors.Is(err, errRollBack) {
				t.Fatalf("transaction %d on storage %d: %v", txn, i, err)
			}
		}
		for n := range answers[0] {
			if answers[0][n] != answers[1][n] {
				t.Fatalf("transaction %d, step %d:\nbbolt:      %s\nPostgreSQL: %s", txn, n, answers[0][n], answers[1][n])
			}
		}
		// What a scan of the whole log gives, after the transaction.
		var logs [2][]string
		for i, st := range []server.Storage{a, b} {
			err := st.View(ctx, func(tx server.Tx) error {
				return tx.Scan(0, func(e server.LogEntry) (bool, error) {
					op, err := e.DecodeOp()
					if err != nil {
						return false, err
					}
					js, _ := json.Marshal(op)
					logs[i] = append(logs[i], fmt.Sprint(e.Seq, e.Kind, e.Lead, e.User, e.Slots, string(js)))
					return true, nil
				})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if !slices.Equal(logs[0], logs[1]) {
			t.Fatalf("after transaction %d the logs differ:\nbbolt:      %q\nPostgreSQL: %q", txn, logs[0], logs[1])
		}
	}
}
