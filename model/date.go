package model

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Date is a calendar day without a time zone, such as a contract's signing
// date or a follow-up's due day. It marshals as "2006-01-02".
type Date struct {
	Y int
	M time.Month
	D int
}

// DateOf returns the calendar day of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// IsZero reports whether the date is unset.
func (d Date) IsZero() bool { return d == Date{} }

// String formats the date as 2006-01-02, or "" when unset.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Y, d.M, d.D)
}

// In returns midnight of the day in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Y, d.M, d.D, 0, 0, 0, 0, loc)
}

// AddDays returns the date n days later (earlier when n < 0).
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Y, d.M, d.D+n, 12, 0, 0, 0, time.UTC))
}

// AddMonths returns the same day n months later, or the last day of that
// month when it is shorter (01-31 plus one month is 02-28 or 02-29).
func (d Date) AddMonths(n int) Date {
	first := time.Date(d.Y, d.M+time.Month(n), 1, 12, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return Date{first.Year(), first.Month(), min(d.D, last)}
}

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// Compare returns -1, 0 or +1.
func (d Date) Compare(e Date) int {
	switch {
	case d.Y != e.Y:
		return cmp.Compare(d.Y, e.Y)
	case d.M != e.M:
		return cmp.Compare(int(d.M), int(e.M))
	default:
		return cmp.Compare(d.D, e.D)
	}
}

// DaysUntil returns the number of days from d to e.
func (d Date) DaysUntil(e Date) int {
	a := time.Date(d.Y, d.M, d.D, 12, 0, 0, 0, time.UTC)
	b := time.Date(e.Y, e.M, e.D, 12, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Round(24*time.Hour) / (24 * time.Hour))
}

// MarshalText implements encoding.TextMarshaler.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	t, err := time.Parse(time.DateOnly, string(b))
	if err != nil {
		return fmt.Errorf("date %q: want YYYY-MM-DD", b)
	}
	*d = DateOf(t)
	return nil
}

// ParseDate reads a day as a user types it, relative to today:
// "2026-11-27", "2026/11/27", "11-27" or "11/27" (this year), "today",
// "tomorrow", "yesterday", "+3d", "+2w", "-1d", "mon".."sun" and 周一..周日
// (the next such day), 下周一..下周日 (that day of next week, weeks
// starting on Monday), "next month" or 下个月 (the same day next month, the
// month's last day when it is shorter), and the Chinese 今天, 明天, 后天,
// 昨天, 前天. It never panics; an error is a sentence that shows the
// accepted forms.
func ParseDate(s string, today Date) (Date, error) {
	in := strings.ToLower(strings.TrimSpace(s))
	in = strings.NewReplacer("星期天", "周日", "礼拜天", "周日", "周天", "周日", "星期", "周", "礼拜", "周").Replace(in)
	switch in {
	case "":
		return Date{}, fmt.Errorf("empty date")
	case "today", "今天", "now":
		return today, nil
	case "tomorrow", "明天":
		return today.AddDays(1), nil
	case "后天":
		return today.AddDays(2), nil
	case "yesterday", "昨天":
		return today.AddDays(-1), nil
	case "前天":
		return today.AddDays(-2), nil
	case "next month", "nextmonth", "下个月", "下月":
		return today.AddMonths(1), nil
	}
	if rest, ok := strings.CutPrefix(in, "下"); ok {
		if wd, ok := weekdays[rest]; ok && strings.HasPrefix(rest, "周") {
			t := today.In(time.UTC)
			monday := today.AddDays(-((int(t.Weekday()) + 6) % 7))
			return monday.AddDays(7 + (int(wd)+6)%7), nil
		}
	}
	if (in[0] == '+' || in[0] == '-') && len(in) >= 2 {
		unit := in[len(in)-1]
		num := in[1 : len(in)-1]
		days := 1
		switch unit {
		case 'd':
		case 'w':
			days = 7
		case 'm':
			days = 30
		default:
			num = in[1:]
		}
		n, err := strconv.Atoi(num)
		if err == nil && n >= 0 && n <= 3650 {
			if in[0] == '-' {
				n = -n
			}
			return today.AddDays(n * days), nil
		}
	}
	if wd, ok := weekdays[in]; ok {
		t := today.In(time.UTC)
		delta := (int(wd) - int(t.Weekday()) + 7) % 7
		if delta == 0 {
			delta = 7
		}
		return today.AddDays(delta), nil
	}
	norm := strings.NewReplacer("/", "-", ".", "-", "年", "-", "月", "-", "日", "").Replace(in)
	parts := strings.Split(norm, "-")
	var y, m, d int
	var err error
	switch len(parts) {
	case 3:
		y, err = atoiRange(parts[0], 1900, 2999)
		if err == nil {
			m, err = atoiRange(parts[1], 1, 12)
		}
		if err == nil {
			d, err = atoiRange(parts[2], 1, 31)
		}
	case 2:
		y = today.Y
		m, err = atoiRange(parts[0], 1, 12)
		if err == nil {
			d, err = atoiRange(parts[1], 1, 31)
		}
	default:
		err = fmt.Errorf("bad form")
	}
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date (write it like 2026-11-27, 11-27, today, tomorrow, yesterday, +3d, fri, next month, 明天, 周五, 下周一 or 下个月)", s)
	}
	t := time.Date(y, time.Month(m), d, 12, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return Date{}, fmt.Errorf("%q is not a date: %s has no day %d", s, time.Month(m), d)
	}
	return Date{y, time.Month(m), d}, nil
}

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
	"周日": time.Sunday, "周一": time.Monday, "周二": time.Tuesday, "周三": time.Wednesday,
	"周四": time.Thursday, "周五": time.Friday, "周六": time.Saturday,
}

func atoiRange(s string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi || len(s) > 4 {
		return 0, fmt.Errorf("out of range")
	}
	return n, nil
}
