package model

import (
	"strings"
	"testing"
	"time"
)

var today = Date{2026, time.November, 27} // a Friday

func TestParseDate(t *testing.T) {
	for in, want := range map[string]Date{
		"2026-12-01": {2026, 12, 1}, "2026/12/1": {2026, 12, 1}, "12-01": {2026, 12, 1}, "12/1": {2026, 12, 1},
		"today": today, "今天": today, "tomorrow": {2026, 11, 28}, "明天": {2026, 11, 28}, "后天": {2026, 11, 29},
		"yesterday": {2026, 11, 26}, "+3d": {2026, 11, 30}, "+2w": {2026, 12, 11}, "-1d": {2026, 11, 26}, "+5": {2026, 12, 2},
		"mon": {2026, 11, 30}, "fri": {2026, 12, 4}, "周一": {2026, 11, 30}, "2027年1月5日": {2027, 1, 5}, " TODAY ": today,
		"2028-02-29": {2028, 2, 29},
	} {
		got, err := ParseDate(in, today)
		if err != nil || got != want {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "2026-13-01", "2026-02-30", "2027-02-29", "someday", "+", "+99999d", "1-2-3-4", "٣/٤", "2026-1x-01"} {
		if d, err := ParseDate(in, today); err == nil {
			t.Errorf("ParseDate(%q) = %v, want an error", in, d)
		} else if in != "" && !strings.Contains(err.Error(), "date") {
			t.Errorf("ParseDate(%q) error %q does not say what a date looks like", in, err)
		}
	}
}

func TestParseMoney(t *testing.T) {
	for in, want := range map[string]Money{
		"12500": {1250000, ""}, "12,500.50": {1250050, ""}, "12500 CNY": {1250000, "CNY"}, "usd 99.9": {9990, "USD"},
		"1.2万": {1200000, ""}, "3w": {3000000, ""}, "¥88": {8800, ""}, "0": {0, ""}, "2.5k": {250000, ""},
	} {
		got, err := ParseMoney(in)
		if err != nil || got != want {
			t.Errorf("ParseMoney(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-5", "abc", "1e9", "NaN", "Inf", "12 34 56", "0x10", "99999999999999999999"} {
		if m, err := ParseMoney(in); err == nil {
			t.Errorf("ParseMoney(%q) = %v, want an error", in, m)
		}
	}
}

func TestFormatAmount(t *testing.T) {
	for in, want := range map[int64]string{0: "0.00", 5: "0.05", 123456789: "1,234,567.89", -100000: "-1,000.00"} {
		if got := FormatAmount(in); got != want {
			t.Errorf("FormatAmount(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestBucketOf(t *testing.T) {
	cases := []struct {
		due  Date
		want Bucket
	}{
		{today.AddDays(-1), Overdue}, {today, DueToday}, {today.AddDays(1), DueThisWeek},
		{today.AddDays(7), DueThisWeek}, {today.AddDays(8), DueLater}, {Date{2025, 12, 31}, Overdue},
	}
	for _, c := range cases {
		if got := BucketOf(c.due, today); got != c.want {
			t.Errorf("BucketOf(%v) = %v, want %v", c.due, got, c.want)
		}
	}
}

func TestTodayFollowsTheUsersTimeZone(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	// 20:00 UTC on the 27th is already the 28th in Shanghai.
	now := time.Date(2026, 11, 27, 20, 0, 0, 0, time.UTC)
	if got := Today(now, shanghai); got != (Date{2026, 11, 28}) {
		t.Fatalf("Today = %v", got)
	}
}

func TestRottingWeightedScore(t *testing.T) {
	st := Stage{Key: "contacted", RottingDays: 14}
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	if d := RottingDays(st, now.Add(-20*24*time.Hour), now); d != 6 {
		t.Errorf("rotting days = %d, want 6", d)
	}
	if d := RottingDays(st, now.Add(-14*24*time.Hour), now); d != 0 {
		t.Errorf("at the limit: %d, want 0", d)
	}
	if d := RottingDays(Stage{Key: "won", Terminal: true, RottingDays: 1}, now.AddDate(-1, 0, 0), now); d != 0 {
		t.Errorf("won leads do not rot: %d", d)
	}
	if w := Weighted(100_00, 35); w != 35_00 {
		t.Errorf("weighted = %d", w)
	}
	if s := ScreeningScore(map[string]bool{"budget": true, "need": true, "unknown": true}, DefaultScreening()); s != 2 {
		t.Errorf("score = %d", s)
	}
}

func TestLeadValidationNamesEveryField(t *testing.T) {
	p := -3
	l := Lead{Company: strings.Repeat("x", MaxNameLen+1), Stage: "nowhere", Source: "tv", Value: Money{Amount: -1},
		Probability: &p, Contacts: []Contact{{Email: "not-an-email"}, {Name: "王伟", Phone: "call me"}}}
	fields := map[string]bool{}
	for _, fe := range FieldErrors(l.Validate(DefaultPipeline())) {
		fields[fe.Field] = true
	}
	for _, want := range []string{"company", "stage", "source", "value", "probability", "contacts[0].email", "contacts[1].phone"} {
		if !fields[want] {
			t.Errorf("no error for %s (got %v)", want, fields)
		}
	}
	ok := Lead{Company: "北京😀能源有限公司", Stage: "prospect", Contacts: []Contact{{Name: "王伟", Phone: "+86 138-0013-8000"}}}
	if err := ok.Validate(DefaultPipeline()); err != nil {
		t.Errorf("valid lead refused: %v", err)
	}
}

func TestNotesValidation(t *testing.T) {
	if err := ValidateNotes(strings.Repeat("字", MaxNotesLen/3)); err != nil {
		t.Errorf("a long Chinese note (under 1 MiB) refused: %v", err)
	}
	for _, bad := range []string{strings.Repeat("x", MaxNotesLen+1), "bad \xff utf-8", "nul \x00 byte"} {
		if ValidateNotes(bad) == nil {
			t.Errorf("ValidateNotes accepted %.20q", bad)
		}
	}
}

func TestComplaintStatusOnlyMovesForward(t *testing.T) {
	c := Complaint{Status: ComplaintInProgress}
	if !c.CanMoveTo(ComplaintResolved) || c.CanMoveTo(ComplaintOpen) || c.CanMoveTo("reopened") {
		t.Fatal("complaint status must move only forward")
	}
}
