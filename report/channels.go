package report

import (
	"slices"

	"github.com/fieldcrm/fieldcrm/model"
)

// ChannelRow is the yield of one source channel.
type ChannelRow struct {
	Key        string  `json:"channel"`
	Leads      int     `json:"leads"`
	Won        int     `json:"won"`
	WonValue   int64   `json:"won_value"`
	Conversion float64 `json:"conversion"` // won / leads, 0..1
}

// Channels is channel yield for the leads that came in during a period.
type Channels struct {
	Period   Period       `json:"period"`
	Currency string       `json:"currency"`
	Rows     []ChannelRow `json:"rows"`
	Total    ChannelRow   `json:"total"`
}

// ComputeChannels counts, per source channel, the leads of scope created
// in p and how many of those are won so far. A lead without a source
// counts as "other".
func ComputeChannels(b *Book, p Period, sc Scope) Channels {
	out := Channels{Period: p, Currency: b.currency(), Rows: []ChannelRow{}}
	rows := map[string]*ChannelRow{}
	for i := range b.Leads {
		c := &b.Leads[i]
		if !sc.has(c.Owner) || !p.Has(b.day(c.CreatedAt)) {
			continue
		}
		src := c.Source
		if src == "" {
			src = "other"
		}
		r := rows[src]
		if r == nil {
			r = &ChannelRow{Key: src}
			rows[src] = r
		}
		r.Leads++
		if c.Stage == model.StageWon {
			r.Won++
			r.WonValue += c.Value
		}
	}
	order := func(k string) int {
		for i, ch := range model.Channels {
			if ch.Key == k {
				return i
			}
		}
		return len(model.Channels)
	}
	for _, r := range rows {
		r.Conversion = ratio(r.Won, r.Leads)
		out.Rows = append(out.Rows, *r)
		out.Total.Leads += r.Leads
		out.Total.Won += r.Won
		out.Total.WonValue += r.WonValue
	}
	out.Total.Key = ""
	out.Total.Conversion = ratio(out.Total.Won, out.Total.Leads)
	slices.SortFunc(out.Rows, func(a, b ChannelRow) int {
		if oa, ob := order(a.Key), order(b.Key); oa != ob {
			return oa - ob
		}
		if a.Key < b.Key {
			return -1
		}
		return 1
	})
	return out
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
