package server

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
)

// BenchmarkGatekeeper measures what the push checks cost per op, beside
// decoding the op (model.DecodeOp), which every push paid before them:
// a lead create as the laptop writes it, and a 4 KiB note revision.
func BenchmarkGatekeeper(b *testing.B) {
	now := time.Now()
	lead := model.Lead{ID: model.NewID(), Company: "华北能源有限公司", Stage: "contacted", Owner: "ann", City: "北京",
		Contacts: []model.Contact{{Name: "王伟", Phone: "+86 138 0013 8000", Email: "wang@hbny.cn"}},
		Tags:     []string{"重点", "展会"}, Value: model.Money{Amount: 1234567, Currency: "CNY"}, CreatedAt: now, UpdatedAt: now, StageEnteredAt: now}
	lead.StageLog = []model.StageEntry{{ID: model.NewID(), HLC: model.HLC{Wall: now.UnixMilli(), Node: "n"}, Stage: "contacted", At: now, By: "ann"}}
	fields, err := model.FieldsOf(lead)
	if err != nil {
		b.Fatal(err)
	}
	create := model.Op{ID: model.NewID(), Entity: model.EntityRef{Type: model.TypeLead, ID: lead.ID}, Kind: model.OpCreate,
		Fields: fields, HLC: model.HLC{Wall: now.UnixMilli(), Node: "n"}, Actor: model.Actor{User: "ann"}, Schema: 1}
	note := model.Op{ID: model.NewID(), Entity: model.EntityRef{Type: model.TypeActivity, ID: model.NewID()}, Kind: model.OpAppend,
		Field: "revisions", HLC: model.HLC{Wall: now.UnixMilli(), Node: "n"}, Actor: model.Actor{User: "ann"}, Schema: 1}
	note.Entry, _ = json.Marshal(model.Revision{ID: note.ID, HLC: note.HLC, Text: strings.Repeat("客户反馈良好,需要报价。\n", 120), Author: "ann", At: now})
	s := &Service{}
	u := User{Name: "ann", Role: RoleRep}
	tx := &batchTx{rules: &inForce{pipeline: model.DefaultPipeline(), approval: model.DefaultApprovalRules()}, roles: map[string]string{"ann": RoleRep}} // a batch that has read its rules and roles
	for _, c := range []struct {
		name string
		op   model.Op
	}{{"lead-create", create}, {"note-4KiB", note}} {
		data, _ := json.Marshal(c.op)
		b.Run(c.name+"/decode", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := model.DecodeOp(data); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/checks", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if err := s.checkOp(u, c.op, false, s.latest()); err != nil {
					b.Fatal(err)
				}
				if c.op.Kind == model.OpCreate {
					rec := model.NewRecord(model.TypeLead)
					old := snapshot(rec)
					rec.Apply(c.op)
					if err := s.checkMerged(tx, u, c.op, old, rec, false, nil); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
