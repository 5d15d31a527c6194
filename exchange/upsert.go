package exchange

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// importRow creates or updates the lead of one valid row, counting what it
// did; a row the store refuses gets a problem. The lead it wrote is
// remembered, so later rows about the same customer update it.
func importRow(tx *store.Tx, m *matcher, r *rowData, rep *Report, dryRun bool) error {
	l, err := importOne(tx, m, r, rep, dryRun)
	if l != nil && err == nil {
		m.add(l)
		m.touched[l.ID] = true
	}
	return err
}

func importOne(tx *store.Tx, m *matcher, r *rowData, rep *Report, dryRun bool) (*model.Lead, error) {
	id, by := m.match(r)
	if id == "" {
		l := r.lead
		if r.matchID != "" {
			if isOurID(r.matchID) {
				l.ID = r.matchID
			} else {
				setCustom(&l, "id", r.matchID)
			}
		}
		if err := tx.AddLead(&l); err != nil {
			if errors.Is(err, store.ErrExists) { // our id, of a lead deleted in this book
				r.problem(headerOf(m.cols, FieldID), "the lead with this id was deleted in this book; clear the id to import it as a new lead")
				return nil, nil
			}
			return nil, r.storeProblem(err, m.cols)
		}
		rep.New++
		if l.Stage == model.StageWon {
			rep.WonNoHandoff++
			if why := tx.Rules().Approval.Needs(&l); len(why) > 0 {
				r.warn(headerOf(m.cols, FieldStage), "won without an approval in fieldcrm (%s): imported as a deal won before, with no hand-off", strings.Join(why, ", "))
			}
		}
		if err := addExtras(tx, &l, r, rep, true); err != nil {
			return nil, r.storeProblem(err, m.cols)
		}
		return &l, nil
	}
	dup := m.touched[id]
	if len(rep.Matches) < maxMatches {
		if dup {
			by = ByEarlierRow
		}
		rep.Matches = append(rep.Matches, Match{Row: r.Num, LeadID: id, By: by})
	}
	old, err := tx.Lead(id)
	if err != nil {
		if dup && dryRun { // made by an earlier batch of this dry run, rolled back
			rep.Duplicate++
			return nil, nil
		}
		return nil, fmt.Errorf("lead %s: %w", id, err)
	}
	if n := len(rep.Matches); n > 0 && rep.Matches[n-1].Row == r.Num {
		rep.Matches[n-1].Company = old.Company
	}
	l := old
	l.Contacts = append([]model.Contact(nil), old.Contacts...)
	mergeRow(&l, r)
	changed := !sameLead(&old, &l)
	if changed {
		if err := tx.UpdateImportedLead(&l); err != nil {
			return nil, r.storeProblem(err, m.cols)
		}
		if l.Stage == model.StageWon && old.Stage != model.StageWon {
			rep.WonNoHandoff++
		}
	}
	n := rep.Activities + rep.Tasks
	if err := addExtras(tx, &l, r, rep, false); err != nil {
		return nil, r.storeProblem(err, m.cols)
	}
	changed = changed || rep.Activities+rep.Tasks > n
	switch {
	case dup:
		rep.Duplicate++
	case changed:
		rep.Updated++
	default:
		rep.Unchanged++
	}
	return &l, nil
}

// storeProblem turns a validation error from the store into row problems
// naming the file's columns, and returns nil; other errors (the disk, the
// file) are returned.
func (r *rowData) storeProblem(err error, cols []Column) error {
	if ae := (*model.ApprovalError)(nil); errors.As(err, &ae) { // a move to won
		r.problem(headerOf(cols, FieldStage), "%s", ae.Error())
		return nil
	}
	fes := model.FieldErrors(err)
	if len(fes) == 0 {
		return err
	}
	for _, fe := range fes {
		r.problem(columnOf(fe.Field, cols), "%s", fe.Problem)
	}
	return nil
}

// columnOf names the column a lead field came from ("contacts[0].email"
// from the E-mail column), or the field itself when no column gave it.
func columnOf(field string, cols []Column) string {
	f := field
	if i := strings.LastIndexByte(f, '.'); strings.HasPrefix(f, "contacts[") && i > 0 {
		f = f[i+1:]
		if f == "name" {
			f = FieldContact
		}
	} else if strings.HasPrefix(f, "contract.") {
		f = "contract_" + strings.TrimPrefix(f, "contract.")
	}
	candidates := []string{f}
	if f == FieldPhone {
		candidates = []string{FieldMobile, FieldPhone}
	}
	for _, c := range candidates {
		if i := indexOf(cols, c); i >= 0 {
			return cols[i].Header
		}
	}
	return field
}

// addExtras writes the row's follow-up and notes, unless the lead already
// has them (so a re-import adds nothing).
func addExtras(tx *store.Tx, l *model.Lead, r *rowData, rep *Report, isNew bool) error {
	if !r.followDue.IsZero() {
		exists := false
		if !isNew {
			tasks, err := tx.TasksOf(l.ID)
			if err != nil {
				return err
			}
			for _, t := range tasks {
				if t.IsOpen() && t.Due == r.followDue && t.Action == r.followWhat {
					exists = true
				}
			}
		}
		if !exists {
			if _, err := tx.SetFollowUp(l.ID, r.followDue, r.followWhat); err != nil {
				return err
			}
			rep.Tasks++
		}
	}
	if r.notes != "" {
		if !isNew {
			acts, err := tx.ActivitiesOf(l.ID, 0)
			if err != nil {
				return err
			}
			for _, a := range acts {
				if a.Notes() == r.notes {
					return nil
				}
			}
		}
		a := model.Activity{LeadID: l.ID, Kind: model.KindNote}
		if err := tx.AddActivity(&a, r.notes); err != nil {
			return err
		}
		rep.Activities++
	}
	return nil
}

// sameLead compares two leads as stored, ignoring when they were updated.
func sameLead(a, b *model.Lead) bool {
	x, y := *a, *b
	x.UpdatedAt = y.UpdatedAt
	if reflect.DeepEqual(x, y) { // the common case on a re-import, without encoding
		return true
	}
	// DeepEqual tells nil from empty; the stored form does not.
	ja, err1 := json.Marshal(x)
	jb, err2 := json.Marshal(y)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}
