package store

import (
	"cmp"
	"slices"
	"strings"

	"github.com/fieldcrm/fieldcrm/model"
)

// Sections of the daily review, in the order it shows them.
const (
	SectionOverdue     = "overdue"
	SectionToday       = "today"
	SectionWeek        = "next_7_days"
	SectionRotting     = "rotting"
	SectionReturnVisit = "return_visits"
	SectionComplaints  = "complaints"
)

// TodaySections lists the section keys in display order.
var TodaySections = []string{SectionOverdue, SectionToday, SectionWeek, SectionRotting, SectionReturnVisit, SectionComplaints}

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
// rotting leads and return visits due on won accounts (from the cards), and
// open complaints. The CLI and the UI both show exactly this list.
func (t *Tx) Today() (TodayReport, error) {
	if err := t.flushCards(); err != nil {
		return TodayReport{}, err
	}
	rules := t.s.rules
	today := model.Today(t.now, rules.Location)
	horizon := today.AddDays(7)
	rep := TodayReport{Date: today}
	sections := map[string][]TodayItem{}

	// One pass over the compact cards: every live lead, with what rotting and
	// return visits need (the last touch); the other sections look their
	// leads up here.
	cards := map[string]*Card{}
	err := t.bucket(bucketCards).ForEach(func(k, v []byte) error {
		c := new(Card)
		if err := c.unmarshal(v); err != nil {
			return nil
		}
		cards[c.ID] = c
		if c.Stage == model.StageWon {
			if rules.ReturnVisitDays > 0 {
				due := model.ReturnVisitDue(c.LastTouch(), rules.ReturnVisitDays, rules.Location)
				if !horizon.Before(due) {
					sections[SectionReturnVisit] = append(sections[SectionReturnVisit], itemFor(c, SectionReturnVisit, "", due))
				}
			}
			return nil
		}
		if days := c.RottingDays(rules.Pipeline, t.now); days > 0 {
			item := itemFor(c, SectionRotting, c.NextAction, c.NextDue)
			item.Days = days
			sections[SectionRotting] = append(sections[SectionRotting], item)
		}
		return nil
	})
	if err != nil {
		return rep, err
	}

	// Follow-ups due up to a week ahead, from the due-day index alone.
	sectionOf := map[model.Bucket]string{model.Overdue: SectionOverdue, model.DueToday: SectionToday, model.DueThisWeek: SectionWeek}
	for _, tk := range t.DueTasks(horizon) {
		c := cards[tk.LeadID]
		sec := sectionOf[model.BucketOf(tk.Due, today)]
		if c == nil || sec == "" {
			continue // the lead was deleted or is not visible here
		}
		item := itemFor(c, sec, tk.Action, tk.Due)
		item.TaskID = tk.ID
		if sec == SectionOverdue {
			item.Days = tk.Due.DaysUntil(today)
		}
		sections[sec] = append(sections[sec], item)
	}

	complaints, err := t.OpenComplaints()
	if err != nil {
		return rep, err
	}
	for _, cp := range complaints {
		c := cards[cp.LeadID]
		if c == nil {
			continue
		}
		item := itemFor(c, SectionComplaints, firstLine(cp.Description), model.DateOf(cp.OpenedAt.In(rules.Location)))
		item.ComplaintID = cp.ID
		sections[SectionComplaints] = append(sections[SectionComplaints], item)
	}

	for _, key := range TodaySections {
		items := sections[key]
		slices.SortFunc(items, func(a, b TodayItem) int {
			if key == SectionRotting {
				if c := cmp.Compare(b.Days, a.Days); c != 0 {
					return c
				}
			} else if c := a.Due.Compare(b.Due); c != 0 {
				return c
			}
			return cmp.Or(strings.Compare(a.Company, b.Company), strings.Compare(a.LeadID, b.LeadID),
				strings.Compare(a.TaskID, b.TaskID), strings.Compare(a.ComplaintID, b.ComplaintID))
		})
		rep.Sections = append(rep.Sections, TodaySection{Key: key, Items: items})
	}
	return rep, nil
}

func itemFor(c *Card, section, action string, due model.Date) TodayItem {
	return TodayItem{Section: section, LeadID: c.ID, Company: c.Company, Stage: c.Stage, Action: action,
		Due: due, Value: c.Value, Currency: c.Currency}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
