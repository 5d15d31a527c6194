package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
)

// TestChineseAndRelativeFlags checks that flags take sources, stages, lost
// reasons and kinds by key, English label or Chinese label, and times in
// the relative and Chinese forms the UI takes.
func TestChineseAndRelativeFlags(t *testing.T) {
	c := newCLI(t)
	var l model.Lead
	if err := json.Unmarshal([]byte(c.ok("lead", "add", "--company", "华北能源", "--source", "展会", "--stage", "商务洽谈", "--json")), &l); err != nil {
		t.Fatal(err)
	}
	if l.Source != "trade_show" || l.Stage != "negotiation" {
		t.Fatalf("--source 展会 --stage 商务洽谈 stored source %q stage %q", l.Source, l.Stage)
	}
	c.ok("lead", "edit", "华北能源", "--source", "Cold Call")
	c.ok("lead", "add", "--company", "Acme", "--source", "客户推荐")
	if out := c.ok("lead", "list", "--stage", "Negotiation"); !strings.Contains(out, "华北能源") || strings.Contains(out, "Acme") {
		t.Errorf("lead list --stage Negotiation:\n%s", out)
	}
	c.ok("lead", "move", "Acme", "流失", "--reason", "价格")
	var detail struct{ Lead model.Lead }
	if err := json.Unmarshal([]byte(c.ok("lead", "show", "Acme", "--json")), &detail); err != nil {
		t.Fatal(err)
	}
	got := detail.Lead
	if got.Stage != "lost" || got.LostReason != "price" || got.Source != "referral" {
		t.Errorf("after move 流失 --reason 价格: stage %q reason %q source %q", got.Stage, got.LostReason, got.Source)
	}

	now := time.Now()
	for _, tc := range []struct {
		kind, at, wantKind string
		days, h, m         int
	}{
		{"电话", "昨天下午两点", "call", -1, 14, 0},
		{"Call", "yesterday 14:00", "call", -1, 14, 0},
		{"拜访", "明天上午10点", "visit", 1, 10, 0},
		{"meeting", "今天14:00", "meeting", 0, 14, 0},
		{"演示", "tomorrow 9:30", "demo", 1, 9, 30},
	} {
		var act model.Activity
		out := c.ok("visit", "add", "华北能源", "--kind", tc.kind, "--at", tc.at, "--notes", "x", "--json")
		if err := json.Unmarshal([]byte(out), &act); err != nil {
			t.Fatal(err)
		}
		st := act.StartedAt
		want := now.In(st.Location()).AddDate(0, 0, tc.days)
		if act.Kind != tc.wantKind || st.Hour() != tc.h || st.Minute() != tc.m || st.Day() != want.Day() {
			t.Errorf("--kind %s --at %s: kind %q at %v; want %s on day %d at %02d:%02d", tc.kind, tc.at, act.Kind, st, tc.wantKind, want.Day(), tc.h, tc.m)
		}
	}
	var act model.Activity
	if err := json.Unmarshal([]byte(c.ok("visit", "add", "华北能源", "--notes", "x", "--next", "报价", "--due", "下周一", "--json")), &act); err != nil {
		t.Fatal(err)
	}
	if act.NextDue.IsZero() {
		t.Errorf("--due 下周一 left no due date")
	}

	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"lead", "add", "--company", "X", "--source", "电视"}, []string{"--source", "not a source", "trade_show (Trade show, 行业展会)"}},
		{[]string{"lead", "add", "--company", "X", "--stage", "天堂"}, []string{"--stage", "not a stage", "negotiation (Negotiation, 商务洽谈)"}},
		{[]string{"visit", "add", "Acme", "--notes", "x", "--kind", "聚会"}, []string{"--kind", "not a kind", "call (Call, 电话)"}},
		{[]string{"visit", "list", "--kind", "聚会"}, []string{"--kind", "not a kind"}},
		{[]string{"visit", "add", "Acme", "--notes", "x", "--at", "昨天下午"}, []string{"--at", "not a time", "昨天下午两点", "yesterday 14:00"}},
		{[]string{"visit", "add", "Acme", "--notes", "x", "--next", "y", "--due", "下周八"}, []string{"--due", "not a date", "下周一", "下个月"}},
	} {
		_, _, err := c.run("", tc.args...)
		if err == nil {
			t.Errorf("fieldcrm %v succeeded", tc.args)
			continue
		}
		for _, w := range tc.want {
			if msg := sentence(err); !strings.Contains(msg, w) {
				t.Errorf("fieldcrm %v: %q lacks %q", tc.args, msg, w)
			}
		}
	}
}
