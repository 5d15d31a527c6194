package store

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	bolt "go.etcd.io/bbolt"
)

// Sections of the daily review, in the order it shows them.
const (
	SectionOverdue     = "overdue"
	SectionToday       = "today"
	SectionWeek        = "next_7_days"
	SectionRotting     = "rotting"
	SectionReturnVisit = "return_visits"
	SectionComplaints  = "complaints"
	SectionApprovals   = "approvals_to_decide" // requests waiting, for a role that decides
	SectionDecisions   = "approval_decisions"  // decisions on the user's requests, last 7 days
	SectionService     = "service_work"        // open service orders of the user (or the queue)
)

// TodaySections lists the section keys in display order.
var TodaySections = []string{SectionOverdue, SectionToday, SectionWeek, SectionRotting, SectionReturnVisit, SectionComplaints,
	SectionApprovals, SectionDecisions, SectionService}

// TodayItem is one line of the daily review.
type TodayItem struct {
	Section     string     `json:"section"`
	LeadID      string     `json:"lead_id"`
	Company     string     `json:"company"`
	Stage       string     `json:"stage"`
	Action      string     `json:"action"`
	Due         model.Date `json:"due,omitzero"`
	Value       int64      `json:"value"`
	Currency    string     `json:"currency,omitempty"`
	Days        int        `json:"days,omitempty"` // overdue by, or rotting past the limit by
	TaskID      string     `json:"task_id,omitempty"`
	ComplaintID string     `json:"complaint_id,omitempty"`
	ApprovalID  string     `json:"approval_id,omitempty"`
	ServiceID   string     `json:"service_id,omitempty"`
}

// TodaySection is one titled group of the review.
type TodaySection struct {
	Key   string      `json:"key"`
	Items []TodayItem `json:"items"`
}

// TodayReport is the daily review: what to follow up, as of Date.
type TodayReport struct {
	Date     model.Date     `json:"date"`
	Sections []TodaySection `json:"sections"`
}

// Count returns the number of items in all sections.
func (r *TodayReport) Count() int {
	n := 0
	for _, s := range r.Sections {
		n += len(s.Items)
	}
	return n
}

// Today builds the daily review as of the transaction's time: follow-ups
// overdue, due today and in the next 7 days (from the due-day index),
// rotting leads and return visits due on won accounts (from the touch
// index), open complaints, approval requests to decide and decisions on
// the user's own, and open service orders (approvalItems, serviceItems).
// The CLI and the UI both show exactly this list. It reads only the index
// ranges, the approval requests (a few per won deal) and the cards of the
// leads it lists, so its cost follows the length of the review, not of
// the book.
func (t *Tx) Today() (TodayReport, error) {
	if err := t.flushCards(); err != nil {
		return TodayReport{}, err
	}
	rules := t.s.rules
	today := model.Today(t.now, rules.Location)
	horizon := today.AddDays(7)
	rep := TodayReport{Date: today}
	sections := map[string][]TodayItem{}
	// Sized from a first pass over the due-day index, copying nothing: the
	// review can hold thousands of lines, and growing slices and the lead
	// table step by step allocated about twice what it keeps.
	sectionOf := map[model.Bucket]string{model.Overdue: SectionOverdue, model.DueToday: SectionToday, model.DueThisWeek: SectionWeek}
	due := 0
	queue := t.Role() // the support queue's tasks are for support users
	for b, n := range t.countDue(horizon, today, queue) {
		sections[sectionOf[b]] = make([]TodayItem, 0, n)
		due += n
	}
	cards := t.reviewCards(due)

	// Rotting: a stage's leads untouched for more than its limit. A lead
	// rots once a whole day past the limit has gone by, so the candidates
	// are those touched at or before now - (limit+1) days; the card's own
	// rule has the last word. Won accounts get return visits instead.
	seen := map[string]bool{}
	for _, st := range rules.Pipeline.Stages {
		if st.Terminal || st.RottingDays <= 0 || st.Key == model.StageWon || seen[st.Key] {
			continue
		}
		seen[st.Key] = true
		cutoff := t.now.Add(-time.Duration(st.RottingDays+1) * 24 * time.Hour)
		err := t.touchedBy(st.Key, touchNum(cutoff), func(id []byte) {
			c := cards.card(id)
			if c == nil || c.Stage != st.Key {
				return
			}
			if days := c.RottingDays(rules.Pipeline, t.now); days > 0 {
				item := headOf(c).item(SectionRotting, c.NextAction, c.NextDue)
				item.Days = days
				sections[SectionRotting] = append(sections[SectionRotting], item)
			}
		})
		if err != nil {
			return rep, err
		}
	}

	// Return visits: won accounts whose last touch was ReturnVisitDays or
	// more before the horizon's day, that is touched before the start of
	// the day after horizon - ReturnVisitDays. The range reads a day more,
	// so a midnight a clock change skips cannot narrow it; the rule on the
	// card decides.
	if days := rules.ReturnVisitDays; days > 0 {
		d := horizon.AddDays(2 - days)
		cutoff := time.Date(d.Y, d.M, d.D, 0, 0, 0, 0, rules.Location)
		err := t.touchedBy(model.StageWon, touchNum(cutoff), func(id []byte) {
			c := cards.card(id)
			if c == nil || c.Stage != model.StageWon {
				return
			}
			if due := model.ReturnVisitDue(c.LastTouch(), days, rules.Location); !horizon.Before(due) {
				sections[SectionReturnVisit] = append(sections[SectionReturnVisit], headOf(c).item(SectionReturnVisit, "", due))
			}
		})
		if err != nil {
			return rep, err
		}
	}

	// Follow-ups due up to a week ahead, from the due-day index alone.
	t.eachDue(horizon, queue, func(due model.Date, id, lead, action []byte) {
		h, ok := cards.head(lead)
		sec := sectionOf[model.BucketOf(due, today)]
		if !ok || sec == "" {
			return // the lead was deleted or is not visible here
		}
		item := h.item(sec, string(action), due)
		item.TaskID = string(id)
		if sec == SectionOverdue {
			item.Days = due.DaysUntil(today)
		}
		sections[sec] = append(sections[sec], item)
	})

	complaints, err := t.OpenComplaints()
	if err != nil {
		return rep, err
	}
	for _, cp := range complaints {
		h, ok := cards.head([]byte(cp.LeadID))
		if !ok {
			continue
		}
		item := h.item(SectionComplaints, firstLine(cp.Description), model.DateOf(cp.OpenedAt.In(rules.Location)))
		item.ComplaintID = cp.ID
		sections[SectionComplaints] = append(sections[SectionComplaints], item)
	}

	if err := t.approvalItems(sections, cards); err != nil {
		return rep, err
	}
	if err := t.serviceItems(sections, cards); err != nil {
		return rep, err
	}

	// A role the server said may not decide has no approvals to decide:
	// the section is left out rather than shown empty every day.
	noDecisions := t.Role() != "" && !t.s.rules.Approval.MayDecide(t.Role())
	for _, key := range TodaySections {
		if key == SectionApprovals && noDecisions {
			continue
		}
		items := sections[key]
		if len(items) == 0 {
			items = nil // an empty section is nil, however it was sized
		}
		sortReview(items, key == SectionRotting)
		rep.Sections = append(rep.Sections, TodaySection{Key: key, Items: items})
	}
	return rep, nil
}

// sortReview puts a section's items in the review's order: the most
// days past the limit first for rotting leads (rotting), else by day, a
// service order with no day yet after the dated ones; then by company
// and by the ids. It sorts their indexes and moves each item once: an
// item is 200 bytes, and slices.SortFunc on the items themselves copied
// two of them into every comparison and moved them at every swap (a fifth
// of the daily review's time on the demo book's 6,000 items).
func sortReview(items []TodayItem, rotting bool) {
	if len(items) < 2 {
		return
	}
	order := make([]int32, len(items))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(i, j int32) int { return compareReview(&items[i], &items[j], rotting) })
	// items[k] takes items[order[k]], one cycle of the permutation at a
	// time; a place done points at itself.
	for i := range order {
		if int(order[i]) == i {
			continue
		}
		held := items[i]
		j := i
		for {
			k := int(order[j])
			order[j] = int32(j)
			if k == i {
				items[j] = held
				break
			}
			items[j] = items[k]
			j = k
		}
	}
}

func compareReview(a, b *TodayItem, rotting bool) int {
	if rotting {
		if c := cmp.Compare(b.Days, a.Days); c != 0 {
			return c
		}
	} else if a.Due.IsZero() != b.Due.IsZero() {
		if a.Due.IsZero() {
			return 1 // a service order with no day yet, after the dated ones
		}
		return -1
	} else if c := a.Due.Compare(b.Due); c != 0 {
		return c
	}
	// One comparison at a time: cmp.Or would make all six.
	if c := strings.Compare(a.Company, b.Company); c != 0 {
		return c
	}
	if c := strings.Compare(a.LeadID, b.LeadID); c != 0 {
		return c
	}
	if c := strings.Compare(a.TaskID, b.TaskID); c != 0 {
		return c
	}
	if c := strings.Compare(a.ApprovalID, b.ApprovalID); c != 0 {
		return c
	}
	if c := strings.Compare(a.ServiceID, b.ServiceID); c != 0 {
		return c
	}
	return strings.Compare(a.ComplaintID, b.ComplaintID)
}

// DecisionDays is how long a decision on the user's own request stays in
// the daily review.
const DecisionDays = 7

// approvalItems adds the requests waiting for a decision, when the user's
// role (as the server last said it) decides, dated the day they were
// asked; and the decisions given in the last DecisionDays days on the
// user's own requests, dated the day they were given, the verdict as the
// action (the CLI and the UI say it in words).
func (t *Tx) approvalItems(sections map[string][]TodayItem, cards *reviewCards) error {
	loc := t.s.rules.Location
	if role := t.Role(); role != "" && t.s.rules.Approval.MayDecide(role) {
		pending, err := t.Approvals(true)
		if err != nil {
			return err
		}
		for _, a := range pending {
			if h, ok := cards.head([]byte(a.LeadID)); ok {
				item := h.item(SectionApprovals, firstLine(a.Note), model.DateOf(a.RequestedAt.In(loc)))
				item.ApprovalID = a.ID
				sections[SectionApprovals] = append(sections[SectionApprovals], item)
			}
		}
	}
	// The user's own requests, found by the index's value (who asked), so
	// only they are read.
	since := t.now.Add(-DecisionDays * 24 * time.Hour)
	byLead, err := t.index(idxApprovalLead)
	if err != nil {
		return err
	}
	return byLead.ForEach(func(k, v []byte) error {
		i := bytes.IndexByte(k, 0)
		if i < 0 || string(v) != t.s.user {
			return nil
		}
		h, ok := cards.head(k[:i])
		if !ok {
			return nil
		}
		a, err := t.Approval(string(k[i+1:]))
		if err != nil {
			return nil // an index entry without its request: nothing to show
		}
		if d, ok := a.Decision(); ok && !d.At.Before(since) {
			item := h.item(SectionDecisions, d.Verdict, model.DateOf(d.At.In(loc)))
			item.ApprovalID = a.ID
			sections[SectionDecisions] = append(sections[SectionDecisions], item)
		}
		return nil
	})
}

// serviceItems adds the open service orders assigned to the user and,
// for an after-sales user, those waiting in the after-sales queue, from
// the open-order index; the kind is the action.
func (t *Tx) serviceItems(sections map[string][]TodayItem, cards *reviewCards) error {
	queue := t.Role() == model.QueueAftersales
	open, err := t.index(idxServiceOpen)
	if err != nil {
		return err
	}
	return open.ForEach(func(k, v []byte) error {
		lead, assignee, _ := bytes.Cut(v, []byte{0})
		if !(string(assignee) == t.s.user || queue && len(assignee) == 0) {
			return nil
		}
		h, ok := cards.head(lead)
		if !ok {
			return nil
		}
		s, err := t.Service(string(k[bytes.IndexByte(k, 0)+1:]))
		if err != nil {
			return nil // an index entry without its order: nothing to show
		}
		item := h.item(SectionService, s.Kind, s.Due)
		item.ServiceID = s.ID
		sections[SectionService] = append(sections[SectionService], item)
		return nil
	})
}

// touchedBy calls fn with every lead of stage whose last touch, as
// touchNum, is at most until, oldest first. The id (as text) is valid
// only during the call, and fn must not call eachDue or touchedBy.
func (t *Tx) touchedBy(stage string, until uint64, fn func(id []byte)) error {
	touch := t.idx(idxLeadTouch)
	if touch == nil {
		return fmt.Errorf("the database has no touch index (schema %d expected)", SchemaVersion)
	}
	prefix := append([]byte(stage), 0)
	c := touch.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		rest := k[len(prefix):]
		if len(rest) < 8 {
			continue
		}
		if binary.BigEndian.Uint64(rest) > until {
			break
		}
		if id := idText(&t.ids[0], rest[8:]); id != nil {
			fn(id)
		}
	}
	return nil
}

// reviewCards reads the cards of the leads the daily review lists, each
// once, through one cursor (Bucket.Get makes a new one per call), and
// keeps only what an item shows of its lead.
type reviewCards struct {
	cur     *bolt.Cursor
	heads   map[string]itemHead // by lead id; the zero head for a lead with no card
	scratch Card
}

func (t *Tx) reviewCards(size int) *reviewCards {
	return &reviewCards{cur: t.bucket(bucketCards).Cursor(), heads: make(map[string]itemHead, size)}
}

// card decodes a lead's card (its head) and remembers what items show of
// it. The card is valid until the next call; nil when the lead has none.
func (r *reviewCards) card(id []byte) *Card {
	k, data := r.cur.Seek(id)
	if !bytes.Equal(k, id) || data == nil || r.scratch.unmarshalHead(data) != nil {
		r.heads[string(id)] = itemHead{}
		return nil
	}
	r.heads[string(id)] = headOf(&r.scratch)
	return &r.scratch
}

// head returns what items show of a lead; false when it has no card.
func (r *reviewCards) head(id []byte) (itemHead, bool) {
	h, seen := r.heads[string(id)]
	if !seen {
		r.card(id)
		h = r.heads[string(id)]
	}
	return h, h.leadID != ""
}

// itemHead is what a review item shows of its lead.
type itemHead struct {
	leadID, company, stage, currency string
	value                            int64
}

func headOf(c *Card) itemHead {
	return itemHead{leadID: c.ID, company: c.Company, stage: c.Stage, currency: c.Currency, value: c.Value}
}

func (h itemHead) item(section, action string, due model.Date) TodayItem {
	return TodayItem{Section: section, LeadID: h.leadID, Company: h.company, Stage: h.stage, Action: action,
		Due: due, Value: h.value, Currency: h.currency}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
