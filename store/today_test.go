package store

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"pgregory.net/rapid"
)

// todayByScan is the daily review computed the plain way, from every card:
// the oracle the indexed Today must agree with.
func todayByScan(t *Tx) (TodayReport, error) {
	rules := t.s.rules
	today := model.Today(t.now, rules.Location)
	horizon := today.AddDays(7)
	rep := TodayReport{Date: today}
	sections := map[string][]TodayItem{}
	cards, err := t.Cards()
	if err != nil {
		return rep, err
	}
	byID := map[string]*Card{}
	for i := range cards {
		c := &cards[i]
		byID[c.ID] = c
		if c.Stage == model.StageWon {
			if rules.ReturnVisitDays > 0 {
				due := model.ReturnVisitDue(c.LastTouch(), rules.ReturnVisitDays, rules.Location)
				if !horizon.Before(due) {
					sections[SectionReturnVisit] = append(sections[SectionReturnVisit], headOf(c).item(SectionReturnVisit, "", due))
				}
			}
			continue
		}
		if days := c.RottingDays(rules.Pipeline, t.now); days > 0 {
			item := headOf(c).item(SectionRotting, c.NextAction, c.NextDue)
			item.Days = days
			sections[SectionRotting] = append(sections[SectionRotting], item)
		}
	}
	sectionOf := map[model.Bucket]string{model.Overdue: SectionOverdue, model.DueToday: SectionToday, model.DueThisWeek: SectionWeek}
	for _, tk := range dueTasks(t, horizon) {
		c := byID[tk.LeadID]
		sec := sectionOf[model.BucketOf(tk.Due, today)]
		if c == nil || sec == "" {
			continue
		}
		item := headOf(c).item(sec, tk.Action, tk.Due)
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
		if c := byID[cp.LeadID]; c != nil {
			item := headOf(c).item(SectionComplaints, firstLine(cp.Description), model.DateOf(cp.OpenedAt.In(rules.Location)))
			item.ComplaintID = cp.ID
			sections[SectionComplaints] = append(sections[SectionComplaints], item)
		}
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

// dueTask is an open follow-up as the due-day index holds it.
type dueTask struct {
	ID, LeadID, Action string
	Due                model.Date
}

// dueTasks lists the open follow-ups due up to and including until, by
// due day, copied out of the due-day index.
func dueTasks(t *Tx, until model.Date) []dueTask {
	var out []dueTask
	t.eachDue(until, "", func(due model.Date, id, lead, action []byte) {
		out = append(out, dueTask{ID: string(id), LeadID: string(lead), Action: string(action), Due: due})
	})
	return out
}

// checkTouchIndex reports any difference between the touch index and the
// entries the cards call for.
func checkTouchIndex(tx *Tx) error {
	cards, err := tx.Cards()
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for i := range cards {
		want[string(touchKey(&cards[i]))] = true
	}
	var problems []string
	n := 0
	err = tx.idx(idxLeadTouch).ForEach(func(k, _ []byte) error {
		n++
		if !want[string(k)] {
			problems = append(problems, fmt.Sprintf("stray entry %q", k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if n != len(want) {
		problems = append(problems, fmt.Sprintf("%d entries for %d cards", n, len(want)))
	}
	if len(problems) > 0 {
		return fmt.Errorf("touch index: %s", strings.Join(problems, "; "))
	}
	return nil
}

// TestTodayAgreesWithFullScan drives a book through random writes and
// clock moves and checks after each step that the indexed daily review is
// exactly the one computed from every card, and that the touch index
// holds one entry per card; and at the end that doctor finds every card
// and index as the records imply.
func TestTodayAgreesWithFullScan(t *testing.T) {
	dir := t.TempDir()
	cases := 0
	// A zone east of UTC, so day boundaries and the UTC date differ.
	zone := time.FixedZone("CST", 8*3600)
	rapid.Check(t, func(rt *rapid.T) {
		cases++
		now := time.Date(2026, 11, 27, rapid.IntRange(0, 23).Draw(rt, "hour"), 0, 0, 0, zone)
		rules := model.DefaultRules()
		rules.Location = zone
		rules.ReturnVisitDays = rapid.SampledFrom([]int{0, 1, 7, 90}).Draw(rt, "return")
		s, err := Open(Options{Path: filepath.Join(dir, fmt.Sprintf("%d.db", cases)), User: "ann",
			Now: func() time.Time { return now }, Rules: &rules, NoSync: true, KeepOpen: true})
		if err != nil {
			rt.Fatal(err)
		}
		defer s.Close()
		stages := rules.Pipeline.Keys()
		var leads, tasks []string
		pick := func(list []string, label string) string {
			return list[rapid.IntRange(0, len(list)-1).Draw(rt, label)]
		}
		steps := rapid.IntRange(1, 40).Draw(rt, "steps")
		for i := range steps {
			op := rapid.IntRange(0, 7).Draw(rt, "op")
			if len(leads) == 0 {
				op = 0
			}
			err := s.Update(func(tx *Tx) error {
				switch op {
				case 0:
					l := model.Lead{Company: fmt.Sprintf("公司 %d", i), Stage: pick(stages, "stage"), LostReason: "价格"}
					if err := tx.AddLead(&l); err != nil {
						return err
					}
					leads = append(leads, l.ID)
				case 1:
					_, err := tx.MoveLead(pick(leads, "lead"), Move{Stage: pick(stages, "to"), LostReason: "价格"})
					return ignoreGone(err)
				case 2:
					back := time.Duration(rapid.IntRange(0, 200*24).Draw(rt, "hours ago")) * time.Hour
					a := model.Activity{LeadID: pick(leads, "lead"), Kind: model.KindCall, StartedAt: now.Add(-back)}
					return ignoreGone(tx.AddActivity(&a, ""))
				case 3:
					due := model.Today(now, zone).AddDays(rapid.IntRange(-20, 20).Draw(rt, "due"))
					tk, err := tx.SetFollowUp(pick(leads, "lead"), due, "回访")
					if err == nil {
						tasks = append(tasks, tk.ID)
					}
					return ignoreGone(err)
				case 4:
					if len(tasks) > 0 {
						_, err := tx.CompleteTask(pick(tasks, "task"))
						return ignoreGone(err)
					}
				case 5:
					return ignoreGone(tx.DeleteLead(pick(leads, "lead")))
				case 6:
					cp := model.Complaint{LeadID: pick(leads, "lead"), Description: "质量问题\nsecond line"}
					return ignoreGone(tx.AddComplaint(&cp))
				case 7:
					now = now.Add(time.Duration(rapid.IntRange(1, 60*24).Draw(rt, "advance hours")) * time.Hour)
				}
				return nil
			})
			if err != nil {
				rt.Fatalf("step %d (op %d): %v", i, op, err)
			}
			err = s.View(func(tx *Tx) error {
				if err := checkTouchIndex(tx); err != nil {
					return err
				}
				got, err := tx.Today()
				if err != nil {
					return err
				}
				want, err := todayByScan(tx)
				if err != nil {
					return err
				}
				if !reflect.DeepEqual(got, want) {
					return fmt.Errorf("indexed review differs from the full scan:\n got  %+v\n want %+v", got, want)
				}
				return nil
			})
			if err != nil {
				rt.Fatalf("after step %d (op %d): %v", i, op, err)
			}
		}
		// Every card, index and search list is what the records imply.
		if err := s.Close(); err != nil {
			rt.Fatal(err)
		}
		rep, err := Doctor(s.opts.Path)
		if err != nil {
			rt.Fatal(err)
		}
		if !rep.OK() {
			rt.Fatalf("doctor finds %+v", rep.Problems)
		}
	})
}

// ignoreGone lets the property test pick leads it deleted earlier, or ask
// for what the rules refuse (a complaint on a lead not won).
func ignoreGone(err error) error {
	var fe *model.FieldError
	if errors.Is(err, ErrNotFound) || errors.As(err, &fe) {
		return nil
	}
	return err
}

func TestTouchKeysSortByTime(t *testing.T) {
	c := func(stage string, at time.Time) []byte {
		return touchKey(&Card{ID: "L", Stage: stage, StageEnteredAt: at})
	}
	old := c("qualified", time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC))
	none := c("qualified", time.Time{})
	recent := c("qualified", t0)
	later := c("qualified", t0.Add(time.Millisecond))
	if !(bytes.Compare(old, none) < 0 && bytes.Compare(none, recent) < 0 && bytes.Compare(recent, later) < 0) {
		t.Errorf("touch keys out of order: %x %x %x %x", old, none, recent, later)
	}
	if bytes.HasPrefix(c("qualified", t0), []byte("qualifie\x00")) {
		t.Error("a stage's prefix matches another stage")
	}
}
