package report

import (
	"slices"

	"github.com/fieldcrm/fieldcrm/model"
)

// FunnelStage is one stage of the funnel.
type FunnelStage struct {
	Key     string `json:"key"`
	Reached int    `json:"reached"`
	// Conversion is the share (0..1) of the leads that reached this stage
	// that reached the next one; nil for the last stage or when none
	// reached this one.
	Conversion *float64 `json:"conversion,omitempty"`
	// MedianDays is the median length of completed stays in the stage
	// that began in the period; nil when there were none.
	MedianDays *float64 `json:"median_days,omitempty"`
	Stays      int      `json:"stays"`
}

// Funnel is how far leads got in the period.
type Funnel struct {
	Period Period        `json:"period"`
	Stages []FunnelStage `json:"stages"`
	// Lost is the number of leads lost in the period.
	Lost int `json:"lost"`
	// Unknown counts leads that now sit in a stage the pipeline no longer
	// has (whatever the period): they are kept, shown apart.
	Unknown      int   `json:"unknown_stage"`
	UnknownValue int64 `json:"unknown_stage_value"`
}

// ComputeFunnel counts the leads of scope that reached each stage in p.
func ComputeFunnel(b *Book, p Period, sc Scope) Funnel {
	var keys []string
	for _, s := range b.Pipeline.Stages {
		if s.Key != model.StageLost {
			keys = append(keys, s.Key)
		}
	}
	pos := make(map[string]int, len(keys))
	for i, k := range keys {
		pos[k] = i
	}
	n := len(keys)
	reached := make([]int, n)
	stays := make([][]float64, n)
	first := make([]int64, n) // earliest entry, Unix ms; 0: never
	out := Funnel{Period: p}
	from, to := p.Bounds(b.Loc)
	fromMS, toMS := from.UnixMilli(), to.UnixMilli()
	for i := range b.Leads {
		c := &b.Leads[i]
		if !sc.has(c.Owner) {
			continue
		}
		if !b.stageKnown(c.Stage) {
			out.Unknown++
			out.UnknownValue += c.Value
		}
		clear(first)
		log := stages(c)
		lost := false
		for j, e := range log {
			at := e.At.UnixMilli()
			if e.Stage == model.StageLost {
				lost = lost || (at >= fromMS && at < toMS)
			}
			k, ok := pos[e.Stage]
			if !ok {
				continue
			}
			if first[k] == 0 || at < first[k] {
				first[k] = at
			}
			if j+1 < len(log) && at >= fromMS && at < toMS {
				stays[k] = append(stays[k], log[j+1].At.Sub(e.At).Hours()/24)
			}
		}
		if lost {
			out.Lost++
		}
		// Reaching a stage passes through every stage before it.
		var min int64
		for k := n - 1; k >= 0; k-- {
			if first[k] != 0 && (min == 0 || first[k] < min) {
				min = first[k]
			}
			if min != 0 && min >= fromMS && min < toMS {
				reached[k]++
			}
		}
	}
	for k, key := range keys {
		st := FunnelStage{Key: key, Reached: reached[k], Stays: len(stays[k])}
		if k+1 < n && reached[k] > 0 {
			v := float64(reached[k+1]) / float64(reached[k])
			st.Conversion = &v
		}
		if len(stays[k]) > 0 {
			v := median(stays[k])
			st.MedianDays = &v
		}
		out.Stages = append(out.Stages, st)
	}
	return out
}

func median(xs []float64) float64 {
	slices.Sort(xs)
	m := len(xs) / 2
	if len(xs)%2 == 1 {
		return xs[m]
	}
	return (xs[m-1] + xs[m]) / 2
}
