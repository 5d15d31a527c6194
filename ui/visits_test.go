package ui_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// logBook seeds a book with activities of several kinds over several days.
func logBook(t *testing.T, lang string) (*driver, []string) {
	t.Helper()
	st := uitest.Store(t)
	ids := uitest.Seed(t, st, books(lang))
	notes := map[string][]string{
		"zh": {"电话沟通了交货期，客户希望提前两周", "## 现场拜访\n\n参观了**锅炉房**，设备老化", "发送了报价单和技术资料", "售后回访：安装调试顺利"},
		"en": {"Called about the delivery date; they want it two weeks earlier", "## Site visit\n\nSaw the **boiler room**; old equipment", "Sent the quote and the data sheets", "Service call: installation went well"},
	}[lang]
	kinds := []string{model.KindCall, model.KindVisit, model.KindEmail, model.KindService}
	contacts := map[string][]string{"zh": {"林建国", "刘强", "马磊", "陈娟"}, "en": {"Alice Clark", "Grace Brown", "Emma Lewis", "Carol Jones"}}[lang]
	err := st.Update(func(tx *store.Tx) error {
		for i := range 8 {
			start := uitest.Now.Add(-time.Duration(i*9+2) * time.Hour)
			a := &model.Activity{LeadID: ids[i%len(ids)], Kind: kinds[i%4], StartedAt: start, Contact: contacts[i%4]}
			if a.Kind == model.KindVisit {
				a.EndedAt = start.Add(45 * time.Minute)
			}
			if err := tx.AddActivity(a, notes[i%4]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return startDriver(t, st, st, lang, 80, 24), ids
}

func TestGoldenVisitLog(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang+"_80x24", func(t *testing.T) {
			t.Parallel()
			d, _ := logBook(t, lang)
			d.keys("3")
			golden.RequireEqual(t, d.plain())
		})
	}
}

func TestVisitLogFilters(t *testing.T) {
	t.Parallel()
	d, _ := logBook(t, "zh")
	d.keys("3")
	if !strings.Contains(d.plain(), "9 / 共 9") {
		t.Fatalf("the log does not list every activity:\n%s", d.plain())
	}
	d.keys("/", "text:锅炉", "enter")
	scr := d.plain()
	if !strings.Contains(scr, "2 / 共 9") || !strings.Contains(scr, "现场拜访") || strings.Contains(scr, "报价单") {
		t.Fatalf("filtering by Chinese text:\n%s", scr)
	}
	d.keys("x", "t") // clear, then only visits
	if scr := d.plain(); !strings.Contains(scr, "3 / 共 9") || strings.Contains(scr, "报价单") {
		t.Fatalf("filtering by kind:\n%s", scr)
	}
	d.keys("x", "l") // only the selected row's lead
	if scr := d.plain(); !strings.Contains(scr, "客户：") {
		t.Fatalf("filtering by lead:\n%s", scr)
	}
	d.keys("x", "r", "text:11-26..11-26", "enter")
	var want int
	for _, r := range rowsOf(t, d) {
		if model.DateOf(r.StartedAt) == model.DateOf(uitest.Now).AddDays(-1) {
			want++
		}
	}
	if scr := d.plain(); !strings.Contains(scr, fmt.Sprintf("%d / 共 9", want)) {
		t.Fatalf("filtering by dates (want %d):\n%s", want, scr)
	}
	d.keys("x", "/", "text:BOILER")
	if scr := d.plain(); !strings.Contains(scr, "0 / 共 9") {
		t.Fatalf("an English word in a Chinese book:\n%s", scr)
	}
}

func rowsOf(t *testing.T, d *driver) []store.ActivityRow {
	var rows []store.ActivityRow
	if err := d.st.View(func(tx *store.Tx) (err error) { rows, err = tx.ActivityRows(); return err }); err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestVisitLogShowsAndEditsNotesAsARevision(t *testing.T) {
	t.Parallel()
	d, _ := logBook(t, "en")
	d.keys("3", "/", "text:boiler", "enter", "enter")
	scr := d.plain()
	if !strings.Contains(scr, "Site visit") || !strings.Contains(scr, "boiler room") || strings.Contains(scr, "**") {
		t.Fatalf("enter does not show the rendered notes:\n%s", scr)
	}
	d.keys("e")
	d.typeAll(" Replace within a year.")
	d.send(ctrl('s'))
	scr = d.plain()
	if !strings.Contains(scr, "Revision 2 of 2") || !strings.Contains(scr, "Earlier revisions") || !strings.Contains(scr, "Revision 1 of 2") {
		t.Fatalf("the edit is not a new revision beside the old one:\n%s", scr)
	}
	var acts []model.Activity
	d.st.View(func(tx *store.Tx) (err error) {
		acts, err = tx.Activities(store.ActivityFilter{Kind: model.KindVisit})
		return err
	})
	found := false
	for _, a := range acts {
		if len(a.Revisions) == 2 && strings.HasSuffix(a.Notes(), "Replace within a year.") && strings.Contains(a.Revisions[0].Text, "boiler room") {
			found = true
		}
	}
	if !found {
		t.Fatal("the store has no second revision")
	}
	if ds := d.drafts(); len(ds) != 0 {
		t.Fatalf("drafts left: %+v", ds)
	}
}

func TestAnEditLeftUnsavedIsOfferedBack(t *testing.T) {
	t.Parallel()
	d, _ := logBook(t, "en")
	d.keys("3", "/", "text:quote", "enter", "e")
	d.typeAll(" And the price list.")
	d.keys("esc")
	d2 := startDriver(t, d.st, d.st, "en", 80, 24)
	if scr := d2.plain(); !strings.Contains(scr, "Unsaved notes from last time") || !strings.Contains(scr, "Sent the quote") {
		t.Fatalf("the edit is not offered back:\n%s", scr)
	}
	d2.keys("enter")
	if scr := d2.plain(); !strings.Contains(scr, "Edit the notes of") || !strings.Contains(scr, "And the price list.") {
		t.Fatalf("resume does not reopen the edit:\n%s", scr)
	}
	d2.send(ctrl('s'))
	if scr := d2.plain(); !strings.Contains(scr, "Revision 2 of 2") {
		t.Fatalf("the resumed edit was not saved as a revision:\n%s", scr)
	}
}
