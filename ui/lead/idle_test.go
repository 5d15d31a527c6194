package lead

import (
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// TestIdleIsDaysSinceTheLastTouch: a lead past its stage's limit says how
// long it has gone untouched, as its card does ("idle 40d" for 40 days in
// prospect, whose limit is 30), counted from its newest activity when
// there is one; a lead within the limit says nothing.
func TestIdleIsDaysSinceTheLastTouch(t *testing.T) {
	day := 24 * time.Hour
	pages := map[string]Page{
		"old": {Lead: model.Lead{ID: "old", Company: "Old Co", Stage: "prospect", StageEnteredAt: uitest.Now.Add(-40 * day)}},
		"touched": {Lead: model.Lead{ID: "touched", Company: "Touched Co", Stage: "prospect", StageEnteredAt: uitest.Now.Add(-90 * day)},
			Activities: []model.Activity{{ID: "a", LeadID: "touched", Kind: model.KindCall, StartedAt: uitest.Now.Add(-35 * day)}}},
		"fresh": {Lead: model.Lead{ID: "fresh", Company: "Fresh Co", Stage: "prospect", StageEnteredAt: uitest.Now.Add(-3 * day)}},
	}
	for lang, want := range map[string]map[string]string{
		"en": {"old": "idle 40d", "touched": "idle 35d"},
		"zh": {"old": "未跟进40天", "touched": "未跟进35天"},
	} {
		for id := range pages {
			m := New(uitest.Common(uitest.Store(t), lang, 100, 30), nil, &fakeBook{pages: pages})
			m.SetSize(100, 28)
			head := strings.Split(uitest.Plain(open(t, m, id).View()), "\n")[1]
			if w := want[id]; w != "" && !strings.Contains(head, w) || w == "" && strings.Contains(head, m.c.Tf("board.idle", 3)) {
				t.Errorf("%s %s: the header says %q, want %q", lang, id, head, w)
			}
		}
	}
}
