package store

import (
	"slices"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
)

func TestMergeLeadsKeepsEverythingAndSyncs(t *testing.T) {
	now, step := clockAt(t0)
	s := openTemp(t, now)
	keep := model.Lead{Company: "华北能源有限公司", Stage: "qualified", City: "北京", Tags: []string{"展会"},
		Contacts: []model.Contact{{Name: "王伟", Phone: "+86 138 0013 8000"}}, Custom: map[string]string{"展位": "A12"}}
	drop := model.Lead{Company: "华北能源", Stage: "prospect", Industry: "能源", Owner: "bob", Tags: []string{"重点", "展会"},
		Contacts: []model.Contact{{Name: "王伟", Phone: "13800138000", Email: "wang@hbny.cn"}, {Name: "李娜"}},
		Custom:   map[string]string{"展位": "B7", "来源备注": "名片"}}
	var actID, taskID string
	err := s.Update(func(tx *Tx) error {
		if err := tx.AddLead(&keep); err != nil {
			return err
		}
		return tx.AddLead(&drop)
	})
	if err != nil {
		t.Fatal(err)
	}
	step(time.Minute)
	// The dropped lead's city is newer than the kept lead's: it wins.
	err = s.Update(func(tx *Tx) error {
		d, err := tx.Lead(drop.ID)
		if err != nil {
			return err
		}
		d.City = "天津"
		if err := tx.UpdateLead(&d); err != nil {
			return err
		}
		a := model.Activity{LeadID: drop.ID, Kind: model.KindCall}
		if err := tx.AddActivity(&a, "打过电话"); err != nil {
			return err
		}
		actID = a.ID
		tk, err := tx.SetFollowUp(drop.ID, model.Date{Y: 2026, M: 12, D: 1}, "回访")
		taskID = tk.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	step(time.Minute)
	var before int
	_ = s.View(func(tx *Tx) error { before = tx.OutboxLen(); return nil })
	var rep MergeReport
	err = s.Update(func(tx *Tx) error {
		var err error
		rep, err = tx.MergeLeads(keep.ID, drop.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Activities != 1 || rep.Tasks != 1 || rep.Contacts != 1 {
		t.Errorf("report = %+v", rep)
	}
	err = s.View(func(tx *Tx) error {
		l, err := tx.Lead(keep.ID)
		if err != nil {
			return err
		}
		// Newest value per field (the twin was made later, so its name wins),
		// but the stage only moves forward.
		if l.Company != "华北能源" || l.City != "天津" || l.Industry != "能源" || l.Stage != "qualified" || l.Custom["展位"] != "B7" {
			t.Errorf("merged lead = %+v", l)
		}
		if len(l.Contacts) != 2 || l.Contacts[0].Email != "wang@hbny.cn" || l.Contacts[1].Name != "李娜" {
			t.Errorf("contacts = %+v", l.Contacts)
		}
		if l.Owner != "ann" || !slices.Equal(l.Assignees, []string{"bob"}) {
			t.Errorf("owner %q assignees %v", l.Owner, l.Assignees)
		}
		if !slices.Equal(l.Tags, []string{"展会", "重点"}) || l.Custom["来源备注"] != "名片" {
			t.Errorf("tags %v custom %v", l.Tags, l.Custom)
		}
		if _, err := tx.Lead(drop.ID); err == nil {
			t.Error("the dropped lead is still live")
		}
		a, err := tx.Activity(actID)
		if err != nil || a.LeadID != keep.ID || a.Notes() != "打过电话" {
			t.Errorf("activity = %+v, %v", a, err)
		}
		tk, err := tx.Task(taskID)
		if err != nil || tk.LeadID != keep.ID {
			t.Errorf("task = %+v, %v", tk, err)
		}
		c, err := tx.Card(keep.ID)
		if err != nil || c.NextAction != "回访" || c.LastActivity.IsZero() {
			t.Errorf("card = %+v, %v", c, err)
		}
		if len(tx.LeadIDsInStage("prospect")) != 0 {
			t.Error("the dropped lead is still on the board")
		}
		// The merge is ordinary ops: a set on the kept lead, sets moving the
		// activity and the task, and the delete.
		if n := tx.OutboxLen() - before; n != 4 {
			t.Errorf("the merge wrote %d ops, want 4", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(func(tx *Tx) error { _, err := tx.MergeLeads(keep.ID, keep.ID); return err })
	if err == nil {
		t.Error("merging a lead into itself was allowed")
	}
}
