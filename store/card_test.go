package store

import (
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
)

func TestCardRoundTrip(t *testing.T) {
	c := Card{ID: "id", Company: "华北能源有限公司", Contact: "王伟", City: "北京", Stage: "won", Owner: "ann",
		Source: "web", Tags: []string{"重点", "x"}, Value: 123, Currency: "CNY", Probability: -1,
		StageEnteredAt: time.UnixMilli(1000), LastActivity: time.UnixMilli(2000), UpdatedAt: time.UnixMilli(3000),
		CreatedAt: time.UnixMilli(500), ExpectedClose: model.Date{Y: 2027, M: 1, D: 2}, NextDue: model.Date{Y: 2026, M: 12, D: 31},
		NextAction: "回电话", NextTaskID: "t1"}
	var got Card
	if err := got.unmarshal(c.marshal()); err != nil {
		t.Fatal(err)
	}
	if got.Company != c.Company || got.Tags[0] != "重点" || !got.LastActivity.Equal(c.LastActivity) || got.NextDue != c.NextDue || got.Probability != -1 || got.NextAction != c.NextAction {
		t.Fatalf("round trip: %+v", got)
	}
	for _, bad := range [][]byte{nil, {9}, c.marshal()[:10]} {
		if (&Card{}).unmarshal(bad) == nil {
			t.Errorf("corrupt card %x accepted", bad)
		}
	}
}

func BenchmarkCardUnmarshal(b *testing.B) {
	c := Card{ID: model.NewID(), Company: "华北能源有限公司", Contact: "王伟", City: "北京", Stage: "won", Owner: "ann",
		Tags: []string{"重点"}, Value: 123, StageEnteredAt: time.Now(), NextAction: "回电话", NextTaskID: model.NewID()}
	data := c.marshal()
	for b.Loop() {
		var got Card
		if err := got.unmarshal(data); err != nil {
			b.Fatal(err)
		}
	}
}
