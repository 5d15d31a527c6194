package visits_test

import (
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
	"github.com/fieldcrm/fieldcrm/ui/visits"
)

// The words filter over a real book goes through its search index: a
// Chinese word anywhere in a run of characters, an English word by its
// beginning in any case or width, several words all at once; not a piece
// from inside a word.
func TestWordsFilterFindsChineseAndPrefixes(t *testing.T) {
	st := uitest.Store(t)
	ids := uitest.Seed(t, st, []uitest.Lead{{Company: "金桥化工有限公司", Stage: "qualified"}, {Company: "Harbor Logistics", Stage: "contacted"}})
	notes := []string{
		"电话沟通了交货期，客户希望提前两周",
		"Discussed the PRICING of the boilers",
		"现场拜访：锅炉房 pricing sheet left",
		"Ｆｌｅｅｔ trial order, 10 trucks",
	}
	err := st.Update(func(tx *store.Tx) error {
		for i, n := range notes {
			a := &model.Activity{LeadID: ids[i%2], Kind: model.KindCall, StartedAt: uitest.Now.Add(-time.Duration(i+1) * time.Hour)}
			if err := tx.AddActivity(a, n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c := uitest.Common(st, "zh", 100, 20)
	m := visits.New(c, nil, ui.NewBook(c.Data))
	m.SetSize(100, 18)
	m, _ = m.Update(m.Load()())
	for _, tc := range []struct {
		q    string
		want []int // indexes into notes, newest first
	}{
		{"交货", []int{0}},
		{"希望", []int{0}},
		{"锅炉", []int{2}},
		{"拜", []int{2}},
		{"pric", []int{1, 2}},
		{"Boil", []int{1}},
		{"fleet TRUCK", []int{3}},
		{"ｔｒｉａｌ", []int{3}},
		{"pricing 锅炉", []int{2}},
		{"ricing", nil},
		{"交货 pricing", nil},
	} {
		if err := m.SetText(tc.q); err != nil {
			t.Fatalf("%q: %v", tc.q, err)
		}
		var got, want []string
		for _, r := range m.Shown() {
			got = append(got, r.First)
		}
		for _, i := range tc.want {
			want = append(want, notes[i])
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%q shows %q, want %q", tc.q, got, want)
		}
		if v := uitest.Plain(m.View()); !strings.Contains(v, tc.q) {
			t.Errorf("%q: the filter line does not show the words:\n%s", tc.q, v)
		}
	}
}
