package store

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
)

// TestResendRebuildsWhatThisReplicaWrote: after a restore, the ops Resend
// queues rebuild, on a server that lost a lead, exactly the lead this
// replica has (created whole, then its later changes at their own
// stamps); for a visit the server kept, only this replica's own note
// revisions go, with their ids; another replica's lead the server lacks,
// and another replica's revision, are not sent; and the resend ends.
func TestResendRebuildsWhatThisReplicaWrote(t *testing.T) {
	now, advance := clockAt(t0)
	s := openTemp(t, now)
	lead := addLead(t, s, "Acme", "prospect")
	var visit model.Activity
	other := model.HLC{Wall: t0.Add(time.Minute).UnixMilli(), Node: "other-replica"}
	err := s.Update(func(tx *Tx) error {
		visit = model.Activity{LeadID: lead.ID, Kind: model.KindVisit}
		if err := tx.AddActivity(&visit, "my notes"); err != nil {
			return err
		}
		advance(2 * time.Minute)
		if _, err := tx.MoveLead(lead.ID, Move{Stage: "qualified"}); err != nil {
			return err
		}
		// Another replica's revision of my visit, and its own lead.
		rev := model.Revision{ID: model.NewID(), HLC: other, Text: "the manager's addition", Author: "boss", At: t0}
		entry, _ := json.Marshal(rev)
		if err := tx.ApplyRemoteOp(model.Op{ID: rev.ID, Entity: model.EntityRef{Type: model.TypeActivity, ID: visit.ID},
			Kind: model.OpAppend, Field: "revisions", Entry: entry, HLC: other, Actor: model.Actor{User: "boss", Device: "other-replica"}, Schema: 1}); err != nil {
			return err
		}
		theirs := model.Lead{ID: model.NewID(), Company: "Theirs", Stage: "prospect", Owner: "boss", CreatedAt: t0, UpdatedAt: t0}
		fields, err := model.FieldsOf(&theirs)
		if err != nil {
			return err
		}
		if err := tx.ApplyRemoteOp(model.Op{ID: model.NewID(), Entity: model.EntityRef{Type: model.TypeLead, ID: theirs.ID},
			Kind: model.OpCreate, Fields: fields, HLC: other, Actor: model.Actor{User: "boss", Device: "other-replica"}, Schema: 1}); err != nil {
			return err
		}
		// Everything was pushed and answered before the restore.
		all, err := tx.Outbox(0)
		for _, e := range all {
			if err == nil {
				err = tx.DropOutbox(e.Seq)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var queued []model.Op
	var local *model.Record
	var mine []string
	err = s.Update(func(tx *Tx) error {
		if err := tx.StartResend("e2"); err != nil {
			return err
		}
		if err := tx.NoteSeen(model.EntityRef{Type: model.TypeActivity, ID: visit.ID}); err != nil {
			return err
		}
		n, err := tx.Resend()
		if err != nil {
			return err
		}
		entries, err := tx.Outbox(0)
		for _, e := range entries {
			queued = append(queued, e.Op)
		}
		if n != len(queued) || tx.ResendPending() != "" {
			t.Errorf("Resend said %d ops, the outbox holds %d; pending %q", n, len(queued), tx.ResendPending())
		}
		local, _, _ = tx.Record(model.TypeLead, lead.ID)
		a, _ := tx.Activity(visit.ID)
		for _, r := range a.Revisions {
			if r.HLC.Node != "other-replica" {
				mine = append(mine, r.ID)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rebuilt := model.NewRecord(model.TypeLead)
	var appends []string
	for _, op := range queued {
		switch {
		case op.Entity.ID == lead.ID:
			rebuilt.Apply(op)
		case op.Entity.ID == visit.ID && op.Kind == model.OpAppend:
			appends = append(appends, op.ID)
		default:
			t.Errorf("queued %s %s %s", op.Kind, op.Entity.Type, op.Entity.ID)
		}
		if err := op.Validate(); err != nil {
			t.Errorf("queued an invalid op: %v", err)
		}
	}
	if !maps.EqualFunc(rebuilt.Fields, local.Fields, func(a, b json.RawMessage) bool { return string(a) == string(b) }) {
		t.Errorf("the rebuilt lead differs:\n got  %s\n want %s", model.EncodeFields(rebuilt.Fields), model.EncodeFields(local.Fields))
	}
	if rebuilt.StampOf("stage") != local.StampOf("stage") || rebuilt.Base != local.Base {
		t.Errorf("stamps: stage %v want %v; base %v want %v", rebuilt.StampOf("stage"), local.StampOf("stage"), rebuilt.Base, local.Base)
	}
	if !slices.Equal(appends, mine) || len(mine) != 1 {
		t.Errorf("appends %v, want this replica's revisions %v", appends, mine)
	}
}
