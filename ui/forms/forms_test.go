package forms

import (
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

func TestFieldChecksSayWhatIsWrongInTheUILanguage(t *testing.T) {
	st := uitest.Store(t)
	en, zh := uitest.Common(st, "en", 80, 24), uitest.Common(st, "zh", 80, 24)
	cases := []struct {
		name  string
		check func(string) error
		in    string
		want  string // "" means valid
	}{
		{"company empty", checkCompany(en), "  ", "Required."},
		{"company too long", checkCompany(en), strings.Repeat("公", 100), "Too long."},
		{"company ok", checkCompany(en), "信达食品", ""},
		{"phone ok", checkPhone(en), "+86 (21) 5555-0101", ""},
		{"phone letters", checkPhone(en), "call me", "Not a phone number."},
		{"phone empty", checkPhone(en), "", ""},
		{"email bad", checkEmail(zh), "a@b@c", "不是有效的邮箱地址。"},
		{"email ok", checkEmail(en), "li@example.cn", ""},
		{"money wan", checkMoney(en, false), "1.2万", ""},
		{"money negative", checkMoney(en, true), "-5", "Not an amount (12500, 12,500.50, 1.2万)."},
		{"money optional", checkMoney(en, true), "", ""},
		{"money required", checkMoney(en, false), "", "Required."},
		{"probability", checkProbability(en), "101", "A percentage from 0 to 100."},
		{"probability %", checkProbability(en), "40%", ""},
		{"date relative", checkDate(en, false), "+3d", ""},
		{"date chinese", checkDate(zh, false), "明天", ""},
		{"date bad", checkDate(zh, false), "下个月吧", "不是有效日期（如 2026-12-05、12-05、明天、+3d、周五、下周一、下个月）。"},
		{"date next week", checkDate(zh, false), "下周一", ""},
		{"date next month", checkDate(zh, false), "下个月", ""},
		{"visit time chinese", checkDateTime(zh), "昨天下午两点", ""},
		{"visit time english", checkDateTime(en), "yesterday 14:00", ""},
		{"visit day alone", checkDateTime(en), "today", ""},
		{"visit time bad", checkDateTime(en), "yesterday afternoon", "Not a day or time (2026-12-05, yesterday 14:00, tomorrow 9:30)."},
		{"visit time bad zh", checkDateTime(zh), "昨天下午", "不是有效日期或时间（如 2026-12-05、昨天下午两点、明天上午10点、今天14:00）。"},
		{"minutes", checkInt(en, 0, 1440), "2000", "A number from 0 to 1440."},
	}
	for _, c := range cases {
		err := c.check(c.in)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%s: %q gives %q, want %q", c.name, c.in, got, c.want)
		}
	}
}

func TestLeadDataApplyKeepsOtherContactsAndCurrency(t *testing.T) {
	today := model.DateOf(uitest.Now)
	l := model.Lead{
		Company: "Old", Value: model.Money{Amount: 100, Currency: "USD"},
		Contacts: []model.Contact{{Name: "A", Title: "CEO"}, {Name: "B"}},
	}
	d := &leadData{Company: " New Co ", Contact: "Ann", Value: "2,500", Probability: "40",
		Close: "+30d", Tags: "vip， 华东、 expo", Screening: []string{"budget"}}
	if err := d.apply(&l, today, true); err != nil {
		t.Fatal(err)
	}
	if l.Company != "New Co" || len(l.Contacts) != 2 || l.Contacts[0].Name != "Ann" || l.Contacts[0].Title != "CEO" {
		t.Fatalf("company/contacts = %q %+v", l.Company, l.Contacts)
	}
	if l.Value != (model.Money{Amount: 250000, Currency: "USD"}) || *l.Probability != 40 || l.ExpectedClose != today.AddDays(30) {
		t.Fatalf("value %+v probability %v close %v", l.Value, *l.Probability, l.ExpectedClose)
	}
	if strings.Join(l.Tags, "|") != "vip|华东|expo" || !l.Screening["budget"] {
		t.Fatalf("tags %q screening %v", l.Tags, l.Screening)
	}
	d.Probability, d.Value = "", ""
	if err := d.apply(&l, today, true); err != nil {
		t.Fatal(err)
	}
	if l.Probability != nil || l.Value.Amount != 0 {
		t.Fatalf("clearing probability and value left %v %+v", l.Probability, l.Value)
	}
}

// TestSnoozeCountsFromTheLaterOfTodayAndTheDueDay: snoozing a follow-up
// due the day after tomorrow by a day moves it to the day after that, not
// back to tomorrow; an overdue one goes to tomorrow.
func TestSnoozeCountsFromTheLaterOfTodayAndTheDueDay(t *testing.T) {
	today := model.DateOf(uitest.Now)
	ahead := model.Task{Due: today.AddDays(2)}
	overdue := model.Task{Due: today.AddDays(-3)}
	snoozed := model.Task{Due: today.AddDays(-3), SnoozedUntil: today.AddDays(4)}
	for _, c := range []struct {
		tk     model.Task
		choice string
		want   model.Date
	}{
		{ahead, "1", today.AddDays(3)},
		{ahead, "7", today.AddDays(9)},
		{overdue, "1", today.AddDays(1)},
		{overdue, "7", today.AddDays(7)},
		{snoozed, "1", today.AddDays(5)},
	} {
		got, err := SnoozeDate(c.tk.SnoozeFrom(today), today, c.choice, "")
		if err != nil || got != c.want {
			t.Errorf("snooze %q of %+v: %s %v, want %s", c.choice, c.tk, got, err, c.want)
		}
	}
	if got, _ := SnoozeDate(ahead.SnoozeFrom(today), today, "pick", "+1d"); got != today.AddDays(1) {
		t.Errorf("a typed +1d is %s, want tomorrow %s", got, today.AddDays(1))
	}
}
