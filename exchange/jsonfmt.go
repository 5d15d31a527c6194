package exchange

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// DumpFormat and DumpVersion mark fieldcrm's JSON export.
const (
	DumpFormat = "fieldcrm"
	// DumpVersion 2 added approvals and services; version 1 files, which
	// have neither, import as they always did.
	DumpVersion = 2
)

// Dump is the JSON export: every selected lead with all its fields and
// stage log, and their activities (with every note revision), follow-ups,
// complaints, approval requests (with every decision) and service orders.
// Importing it back restores exactly these records.
type Dump struct {
	Format     string               `json:"format"`
	Version    int                  `json:"version"`
	ExportedAt time.Time            `json:"exported_at"`
	ExportedBy string               `json:"exported_by,omitempty"`
	Pipeline   model.Pipeline       `json:"pipeline"`
	Leads      []model.Lead         `json:"leads"`
	Activities []model.Activity     `json:"activities"`
	Tasks      []model.Task         `json:"tasks"`
	Complaints []model.Complaint    `json:"complaints"`
	Approvals  []model.Approval     `json:"approvals"`
	Services   []model.ServiceOrder `json:"services"`
}

// ReadDump parses a JSON export and checks that it is one.
func ReadDump(data []byte) (*Dump, error) {
	var d Dump
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&d); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line := bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n")) + 1
			return nil, fmt.Errorf("not valid JSON at line %d: %v", line, err)
		}
		return nil, fmt.Errorf("not a fieldcrm export: %v", err)
	}
	if d.Format != DumpFormat {
		return nil, fmt.Errorf("not a fieldcrm export (it has no \"format\": %q); import other JSON as CSV or Excel", DumpFormat)
	}
	if d.Version > DumpVersion {
		return nil, fmt.Errorf("the export is version %d; this fieldcrm reads up to version %d, update it", d.Version, DumpVersion)
	}
	return &d, nil
}

// importJSON restores a dump: leads first, then activities, follow-ups,
// service orders, complaints and approval requests, each through the
// store's Restore methods, which write only what differs. Nothing is
// handed off: the file's service orders are the account's. A dry run is
// one transaction, rolled back.
func importJSON(st *store.Store, data []byte, rep *Report, opt Options) (*Report, error) {
	d, err := ReadDump(data)
	if err != nil {
		return rep, err
	}
	rep.Rows = len(d.Leads)
	type job struct {
		list string
		i    int
		run  func(tx *store.Tx) error
	}
	var jobs []job
	bad := map[string]bool{} // leads refused: their children are skipped
	problem := func(list string, i int, err error) error {
		fes := model.FieldErrors(err)
		if len(fes) == 0 && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		rep.Invalid++
		if len(fes) == 0 {
			fes = []*model.FieldError{{Field: "lead_id", Problem: "names a lead that is neither in the file nor in the book"}}
		}
		for _, fe := range fes {
			if len(rep.Problems) < opt.MaxProblems {
				rep.Problems = append(rep.Problems, Problem{Row: i + 1, Column: fmt.Sprintf("%s[%d].%s", list, i, fe.Field), Reason: fe.Problem})
			}
		}
		return nil
	}
	served := map[string]bool{} // leads with service orders in the file
	for _, sv := range d.Services {
		served[sv.LeadID] = true
	}
	for i, l := range d.Leads {
		jobs = append(jobs, job{"leads", i, func(tx *store.Tx) error {
			old, err := tx.Lead(l.ID)
			existed := err == nil
			changed, err := tx.RestoreLead(l)
			if err == nil && l.Stage == model.StageWon && old.Stage != model.StageWon && !served[l.ID] {
				rep.WonNoHandoff++
			}
			switch {
			case err != nil:
				bad[l.ID] = true
				return problem("leads", i, err)
			case !existed:
				rep.New++
			case changed:
				rep.Updated++
			default:
				rep.Unchanged++
			}
			return nil
		}})
	}
	child := func(list string, i int, leadID string, restore func(tx *store.Tx) (bool, error), count *int) job {
		return job{list, i, func(tx *store.Tx) error {
			if bad[leadID] {
				return problem(list, i, &model.FieldError{Field: "lead_id", Problem: "its lead was refused (see the lead's problem); import it again once the lead is fixed"})
			}
			changed, err := restore(tx)
			if err != nil {
				return problem(list, i, err)
			}
			if changed {
				*count++
			}
			return nil
		}}
	}
	for i, a := range d.Activities {
		jobs = append(jobs, child("activities", i, a.LeadID, func(tx *store.Tx) (bool, error) { return tx.RestoreActivity(a) }, &rep.Activities))
	}
	for i, t := range d.Tasks {
		jobs = append(jobs, child("tasks", i, t.LeadID, func(tx *store.Tx) (bool, error) { return tx.RestoreTask(t) }, &rep.Tasks))
	}
	for i, sv := range d.Services {
		jobs = append(jobs, child("services", i, sv.LeadID, func(tx *store.Tx) (bool, error) { return tx.RestoreService(sv) }, &rep.Services))
	}
	for i, c := range d.Complaints {
		jobs = append(jobs, child("complaints", i, c.LeadID, func(tx *store.Tx) (bool, error) { return tx.RestoreComplaint(c) }, &rep.Complaints))
	}
	for i, a := range d.Approvals {
		jobs = append(jobs, child("approvals", i, a.LeadID, func(tx *store.Tx) (bool, error) { return tx.RestoreApproval(a) }, &rep.Approvals))
	}
	batch := opt.BatchSize
	if opt.DryRun {
		batch = len(jobs) + 1
	}
	for start := 0; start < len(jobs); start += batch {
		end := min(start+batch, len(jobs))
		saved := *rep
		err := st.Update(func(tx *store.Tx) error {
			for _, j := range jobs[start:end] {
				if err := j.run(tx); err != nil {
					return fmt.Errorf("%s[%d]: %w", j.list, j.i, err)
				}
			}
			if opt.DryRun {
				return errDryRun
			}
			return nil
		})
		if err != nil && !errors.Is(err, errDryRun) {
			*rep = saved
			return rep, fmt.Errorf("records %d to %d were not saved: %w", start+1, end, err)
		}
		if opt.Progress != nil {
			opt.Progress(end, len(jobs))
		}
	}
	return rep, nil
}
