package model

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ParseDateTime reads a moment as a user types it, in loc relative to now:
// a day in any form ParseDate takes, a time of day, or both ("2026-11-27
// 14:30", "yesterday 14:00", "tomorrow 9:30", "fri 2pm", 今天14:00,
// 明天上午10点, 昨天下午两点, 下周一9点半). A time alone is today; a day
// alone is nine in the morning. Hours may be digits or the Chinese 一..十二
// (两 for two), with 上午/早上, 中午, 下午 or 晚上 before them and 半 or
// N分 after 点. It never panics; an error is a sentence that shows the
// accepted forms.
func ParseDateTime(s string, now time.Time, loc *time.Location) (time.Time, error) {
	in := strings.ToLower(strings.TrimSpace(s))
	today := Today(now, loc)
	at := func(d Date, h, m int) time.Time { return time.Date(d.Y, d.M, d.D, h, m, 0, 0, loc) }
	if in != "" {
		if h, m, ok := parseClock(in); ok {
			return at(today, h, m), nil
		}
		if d, err := ParseDate(in, today); err == nil {
			return at(d, 9, 0), nil
		}
		// The longest day that leaves a time of day after it: "2026-11-27
		// 14:30", "昨天下午两点".
		for i := len(in) - 1; i > 0; i-- {
			if !utf8.RuneStart(in[i]) {
				continue
			}
			day, clock := strings.TrimSpace(in[:i]), strings.TrimSpace(in[i:])
			h, m, ok := parseClock(clock)
			if !ok || day == "" {
				continue
			}
			if d, err := ParseDate(day, today); err == nil {
				return at(d, h, m), nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time (write it like \"2026-11-27 14:30\", 14:30, 2pm, \"yesterday 14:00\", \"tomorrow 9:30\", 今天14:00, 明天上午10点, 昨天下午两点, or a day alone for nine o'clock)", s)
}

// parseClock reads a time of day: 14:30, 9:30, 2pm, 2:30pm, 14点, 10点半,
// 9点15分, 下午两点, 上午10点, 晚上8点.
func parseClock(s string) (h, m int, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, 0, false
	}
	pm, period := false, false
	for _, p := range []struct {
		word string
		pm   bool
	}{{"上午", false}, {"早上", false}, {"早晨", false}, {"中午", true}, {"下午", true}, {"晚上", true}, {"傍晚", true}} {
		if rest, cut := strings.CutPrefix(s, p.word); cut {
			s, pm, period = strings.TrimSpace(rest), p.pm, true
			break
		}
	}
	for _, p := range []struct {
		word string
		pm   bool
	}{{"am", false}, {"pm", true}} {
		if rest, cut := strings.CutSuffix(s, p.word); cut && !period {
			s, pm, period = strings.TrimSpace(rest), p.pm, true
			break
		}
	}
	var hs, ms string
	switch {
	case strings.Contains(s, ":"):
		hs, ms, _ = strings.Cut(s, ":")
		if len(ms) != 2 {
			return 0, 0, false
		}
	case strings.Contains(s, "点"):
		hs, ms, _ = strings.Cut(s, "点")
		switch {
		case ms == "" || ms == "整":
			ms = "0"
		case ms == "半":
			ms = "30"
		default:
			var cut bool
			if ms, cut = strings.CutSuffix(ms, "分"); !cut && !period && len(ms) != 2 {
				return 0, 0, false
			}
		}
	case period:
		// "2pm", "下午3" are read as hours when a period is named.
		hs, ms = s, "0"
	default:
		return 0, 0, false
	}
	h, okH := clockNumber(hs, 24)
	m, okM := clockNumber(ms, 59)
	if !okH || !okM {
		return 0, 0, false
	}
	if period {
		if h > 12 {
			return 0, 0, false
		}
		if pm && h < 12 {
			h += 12
		}
		if !pm && h == 12 {
			h = 0
		}
	}
	if h == 24 {
		return 0, 0, false
	}
	return h, m, true
}

// clockNumber reads 0..max in digits, or 零..十二 (两 for two) as Chinese
// numerals for hours.
func clockNumber(s string, max int) (int, bool) {
	if n, err := strconv.Atoi(s); err == nil && len(s) <= 2 {
		return n, n >= 0 && n <= max
	}
	if n, ok := chineseHours[s]; ok && n <= max {
		return n, true
	}
	return 0, false
}

var chineseHours = map[string]int{
	"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
	"十": 10, "十一": 11, "十二": 12,
}
