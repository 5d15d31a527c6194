package model

import (
	"strings"
	"testing"
	"time"
)

func TestParseDateRelativeChinese(t *testing.T) {
	fri := Date{2026, time.December, 4} // a Friday
	sun := Date{2026, time.December, 6}
	jan31 := Date{2027, time.January, 31}
	for _, tc := range []struct {
		in    string
		today Date
		want  Date
	}{
		{"下周一", fri, Date{2026, time.December, 7}},
		{"下周五", fri, Date{2026, time.December, 11}},
		{"下周日", fri, Date{2026, time.December, 13}},
		{"下星期三", fri, Date{2026, time.December, 9}},
		{"下周一", sun, Date{2026, time.December, 7}}, // Sunday ends the week
		{"周一", sun, Date{2026, time.December, 7}},
		{"下个月", fri, Date{2027, time.January, 4}},
		{"下月", fri, Date{2027, time.January, 4}},
		{"next month", jan31, Date{2027, time.February, 28}},
		{"下个月", Date{2028, time.January, 31}, Date{2028, time.February, 29}},
		{"前天", fri, Date{2026, time.December, 2}},
	} {
		got, err := ParseDate(tc.in, tc.today)
		if err != nil || got != tc.want {
			t.Errorf("ParseDate(%q, %s) = %s, %v; want %s", tc.in, tc.today, got, err, tc.want)
		}
	}
	for _, bad := range []string{"下周八", "下下周", "下个", "下周"} {
		_, err := ParseDate(bad, fri)
		if err == nil || !strings.Contains(err.Error(), "下周一") || !strings.Contains(err.Error(), "下个月") {
			t.Errorf("ParseDate(%q) error = %v; want a sentence naming 下周一 and 下个月", bad, err)
		}
	}
}

func TestParseDateTime(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, time.December, 4, 16, 20, 0, 0, loc) // Friday
	at := func(m time.Month, d, h, min int) time.Time { return time.Date(2026, m, d, h, min, 0, 0, loc) }
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"2026-11-27 14:30", at(11, 27, 14, 30)},
		{"14:30", at(12, 4, 14, 30)},
		{"9:05", at(12, 4, 9, 5)},
		{"2pm", at(12, 4, 14, 0)},
		{"2:30 pm", at(12, 4, 14, 30)},
		{"12am", at(12, 4, 0, 0)},
		{"yesterday 14:00", at(12, 3, 14, 0)},
		{"Yesterday 14:00", at(12, 3, 14, 0)},
		{"tomorrow 9:30", at(12, 5, 9, 30)},
		{"fri 2pm", at(12, 11, 14, 0)},
		{"11-27 8:00", at(11, 27, 8, 0)},
		{"tomorrow", at(12, 5, 9, 0)},
		{"今天14:00", at(12, 4, 14, 0)},
		{"明天上午10点", at(12, 5, 10, 0)},
		{"昨天下午两点", at(12, 3, 14, 0)},
		{"昨天 下午两点半", at(12, 3, 14, 30)},
		{"下午三点", at(12, 4, 15, 0)},
		{"晚上八点", at(12, 4, 20, 0)},
		{"中午十二点", at(12, 4, 12, 0)},
		{"上午十二点", at(12, 4, 0, 0)},
		{"明天9点15分", at(12, 5, 9, 15)},
		{"下周一9点半", at(12, 7, 9, 30)},
		{"周五 十点", at(12, 11, 10, 0)},
		{"14点", at(12, 4, 14, 0)},
	} {
		got, err := ParseDateTime(tc.in, now, loc)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("ParseDateTime(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "9", "25:00", "14:3", "下午十三点", "昨天下午", "yesterday 14", "tomorrow 13pm", "明天上午十三点", "soon"} {
		_, err := ParseDateTime(bad, now, loc)
		if err == nil {
			t.Errorf("ParseDateTime(%q) accepted", bad)
			continue
		}
		for _, form := range []string{"14:30", "yesterday 14:00", "昨天下午两点", "明天上午10点"} {
			if !strings.Contains(err.Error(), form) {
				t.Errorf("ParseDateTime(%q) error %q does not show the form %s", bad, err, form)
			}
		}
	}
}

func FuzzParseDateTime(f *testing.F) {
	for _, s := range []string{"yesterday 14:00", "昨天下午两点", "明天上午10点", "今天14:00", "2pm", "下周一9点半", "2026-11-27 14:30", "下午十三点", ""} {
		f.Add(s)
	}
	loc := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, time.November, 27, 10, 0, 0, 0, loc)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseDateTime(s, now, loc)
		if err != nil {
			return
		}
		if got.Location() != loc || got.Second() != 0 || got.Year() < 1900 || got.Year() > 2999 {
			t.Fatalf("ParseDateTime(%q) = %v", s, got)
		}
	})
}
