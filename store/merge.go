package store

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/fieldcrm/fieldcrm/model"
)

// MergeReport says what a merge of two leads moved.
type MergeReport struct {
	Kept       string   `json:"kept"`
	Dropped    string   `json:"dropped"`
	Fields     []string `json:"fields,omitempty"` // fields of the kept lead that took the dropped lead's value
	Contacts   int      `json:"contacts"`         // contacts added to the kept lead
	Activities int      `json:"activities"`
	Tasks      int      `json:"tasks"`
	Complaints int      `json:"complaints"`
	Services   int      `json:"services"` // service orders moved
	// ApprovalsLeft counts the dropped lead's approval requests, which
	// stay on it (a request's lead is fixed) and go to the trash with it.
	ApprovalsLeft int `json:"approvals_left"`
}

// ApprovalMergeError refuses a merge that would leave on the dropped lead
// the approval request the merged deal needs: one waiting for a decision,
// or one approved that covers the merged deal, while none of the kept
// lead's requests does. Merging the other way round keeps it.
type ApprovalMergeError struct {
	Keep, Drop  string // the leads' ids
	DropCompany string
	Request     model.Approval
}

func (e *ApprovalMergeError) Error() string {
	state := "waiting for a decision"
	if e.Request.Status() == model.Approved {
		state = "approved"
	}
	return fmt.Sprintf("%s has approval request %s %s, which the merged deal needs, and a request stays on its lead: merge the other way round (fieldcrm merge %s %s)",
		e.DropCompany, ShortID(e.Request.ID), state, ShortID(e.Drop), ShortID(e.Keep))
}

// mergeApprovals counts the dropped lead's requests into rep and refuses
// the merge (*ApprovalMergeError) when the merged lead, not won, needs an
// approval that one of them gives or waits for and none of the kept
// lead's gives.
func (t *Tx) mergeApprovals(merged, drop *model.Lead, rep *MergeReport) error {
	reqs, err := t.ApprovalsOf(drop.ID)
	if err != nil || len(reqs) == 0 {
		return err
	}
	rep.ApprovalsLeft = len(reqs)
	if merged.Stage == model.StageWon {
		return nil
	}
	if block, err := t.WonBlock(merged); err != nil || block == nil {
		return err
	}
	asDrop := *merged
	asDrop.ID = drop.ID
	for i := len(reqs) - 1; i >= 0; i-- {
		if a := reqs[i]; a.Status() == model.Pending || a.Covers(&asDrop) {
			return &ApprovalMergeError{Keep: merged.ID, Drop: drop.ID, DropCompany: drop.Company, Request: a}
		}
	}
	return nil
}

// mergeSkip are lead fields a merge never takes from the dropped lead.
var mergeSkip = map[string]bool{
	"id": true, "stage_log": true, "deleted": true, "updated_at": true, "created_at": true,
	"stage_entered_at": true, "stage": true, "owner": true, "contacts": true, "tags": true, "products": true,
	"assignees": true, "custom": true, "screening": true,
}

// MergeLeads merges lead dropID into lead keepID: each field takes the
// newer of the two values (an empty value never wins over a filled one;
// the stage is the one further along, so a twin made by an import in the
// first stage cannot set a lead back; the owner stays, and the dropped
// lead's owner becomes an assignee, since changing owners is a manager's
// decision the server checks),
// contacts, tags, products, assignees, custom fields and screening answers
// are united, and every activity, follow-up, complaint and service order
// of the dropped lead moves to the kept one. Its approval requests stay
// on it (a request's lead is fixed) and go to the trash with it; a merge
// that would leave there the request the merged deal needs is refused
// (mergeApprovals). The dropped lead is then deleted. Every
// change is an ordinary op, so the merge syncs like any other edit.
func (t *Tx) MergeLeads(keepID, dropID string) (MergeReport, error) {
	rep := MergeReport{Kept: keepID, Dropped: dropID}
	if keepID == dropID {
		return rep, fmt.Errorf("cannot merge a lead into itself")
	}
	keep, err := t.Lead(keepID)
	if err != nil {
		return rep, err
	}
	drop, err := t.Lead(dropID)
	if err != nil {
		return rep, err
	}
	keepRec, _, err := t.loadRecord(model.TypeLead, keepID)
	if err != nil {
		return rep, err
	}
	dropRec, _, err := t.loadRecord(model.TypeLead, dropID)
	if err != nil {
		return rep, err
	}

	// Scalar fields: the newer stamp wins, but never an empty value.
	merged := maps.Clone(keepRec.Fields)
	for _, f := range slices.Sorted(maps.Keys(dropRec.Fields)) {
		v := dropRec.Fields[f]
		if mergeSkip[f] || isEmptyJSON(v) {
			continue
		}
		cur, has := keepRec.Fields[f]
		if has && !isEmptyJSON(cur) && dropRec.StampOf(f).HLC.Compare(keepRec.StampOf(f).HLC) <= 0 {
			continue
		}
		if string(cur) != string(v) {
			merged[f] = v
			rep.Fields = append(rep.Fields, f)
		}
	}
	var out model.Lead
	data, err := json.Marshal(merged)
	if err != nil {
		return rep, err
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return rep, fmt.Errorf("lead %s: %w", keepID, err)
	}
	// Lists and maps: the union, the newer side winning per key.
	dropNewer := func(f string) bool { return dropRec.StampOf(f).HLC.Compare(keepRec.StampOf(f).HLC) > 0 }
	before := len(out.Contacts)
	out.Contacts = mergeContacts(keep.Contacts, drop.Contacts)
	rep.Contacts = len(out.Contacts) - before
	out.Tags = unionStrings(keep.Tags, drop.Tags)
	out.Products = unionStrings(keep.Products, drop.Products)
	out.Assignees = unionStrings(keep.Assignees, drop.Assignees)
	if drop.Owner != "" && drop.Owner != out.Owner && !slices.Contains(out.Assignees, drop.Owner) {
		out.Assignees = append(out.Assignees, drop.Owner)
	}
	out.Custom = mergeMap(keep.Custom, drop.Custom, dropNewer("custom"))
	out.Screening = mergeMap(keep.Screening, drop.Screening, dropNewer("screening"))
	if len(out.Tags) > model.MaxTags {
		out.Tags = out.Tags[:model.MaxTags]
	}
	if drop.CreatedAt.Before(out.CreatedAt) {
		out.CreatedAt = drop.CreatedAt
	}
	out.Stage = furtherStage(t.s.rules.Pipeline, keep.Stage, drop.Stage)
	if out.Stage == keep.Stage {
		out.StageEnteredAt = keep.StageEnteredAt
	}
	if out.Stage == model.StageLost && out.LostReason == "" {
		out.LostReason = drop.LostReason
	}
	if err := t.mergeApprovals(&out, &drop, &rep); err != nil {
		return rep, err
	}
	// Service orders move first, so a kept lead that becomes won by the
	// merge (its twin was won) is not handed off a second time; and no
	// approval is asked again for a deal already won.
	services, err := t.ServicesOf(dropID)
	if err != nil {
		return rep, err
	}
	for _, s := range services {
		s.LeadID = keepID
		if err := t.put(model.TypeService, s.ID, &s, false); err != nil {
			return rep, err
		}
		rep.Services++
	}
	if err := t.updateLead(&out, false, true); err != nil {
		return rep, fmt.Errorf("merge into %s: %w", ShortID(keepID), err)
	}

	acts, err := t.ActivitiesOf(dropID, 0)
	if err != nil {
		return rep, err
	}
	for _, a := range acts {
		a.LeadID = keepID
		if err := t.put(model.TypeActivity, a.ID, &a, false); err != nil {
			return rep, err
		}
		rep.Activities++
	}
	tasks, err := t.TasksOf(dropID)
	if err != nil {
		return rep, err
	}
	for _, tk := range tasks {
		tk.LeadID = keepID
		if err := t.put(model.TypeTask, tk.ID, &tk, false); err != nil {
			return rep, err
		}
		rep.Tasks++
	}
	var complaints []model.Complaint
	err = t.bucket(bucketComplaints).ForEach(func(k, v []byte) error {
		var c model.Complaint
		data, err := t.view.of(v)
		if err != nil {
			return fmt.Errorf("complaint %s: %w", k, err)
		}
		if json.Unmarshal(data, &c) == nil && c.LeadID == dropID && !c.Deleted {
			complaints = append(complaints, c)
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	for _, c := range complaints {
		c.LeadID = keepID
		if err := t.put(model.TypeComplaint, c.ID, &c, false); err != nil {
			return rep, err
		}
		rep.Complaints++
	}
	return rep, t.DeleteLead(dropID)
}

// furtherStage is the stage further along the pipeline; lost counts as
// the least advanced, so it wins only over itself.
func furtherStage(p model.Pipeline, a, b string) string {
	rank := func(s string) int {
		if s == model.StageLost {
			return -1
		}
		return p.Index(s)
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}

func isEmptyJSON(v json.RawMessage) bool {
	switch strings.TrimSpace(string(v)) {
	case "", "null", `""`, "[]", "{}", "0", "false":
		return true
	}
	return false
}

// mergeContacts appends the contacts of b that are not already in a (the
// same e-mail, phone digits or name), filling blanks of those that are.
func mergeContacts(a, b []model.Contact) []model.Contact {
	out := slices.Clone(a)
	for _, c := range b {
		i := slices.IndexFunc(out, func(o model.Contact) bool { return sameContact(o, c) })
		if i < 0 {
			out = append(out, c)
			continue
		}
		o := &out[i]
		fill(&o.Name, c.Name)
		fill(&o.Title, c.Title)
		fill(&o.Phone, c.Phone)
		fill(&o.Email, c.Email)
		fill(&o.Notes, c.Notes)
	}
	return out
}

func fill(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

func sameContact(a, b model.Contact) bool {
	if a.Email != "" && strings.EqualFold(a.Email, b.Email) {
		return true
	}
	if da := phoneKey(a.Phone); len(da) >= 7 && da == phoneKey(b.Phone) {
		return true
	}
	return a.Name != "" && strings.EqualFold(strings.TrimSpace(a.Name), strings.TrimSpace(b.Name)) &&
		(a.Phone == "" || b.Phone == "") && (a.Email == "" || b.Email == "")
}

// phoneKey is a phone number's digits without the China country code, so
// +86 138... and 138... are the same number.
func phoneKey(s string) string {
	d := digits(s)
	switch {
	case strings.HasPrefix(d, "0086"):
		return d[4:]
	case strings.HasPrefix(d, "86") && len(d) >= 12:
		return d[2:]
	}
	return d
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func unionStrings(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func mergeMap[V any](a, b map[string]V, bWins bool) map[string]V {
	if len(a) == 0 && len(b) == 0 {
		return a
	}
	out := maps.Clone(a)
	if out == nil {
		out = map[string]V{}
	}
	for k, v := range b {
		if _, ok := out[k]; !ok || bWins {
			out[k] = v
		}
	}
	return out
}
