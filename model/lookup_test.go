package model

import (
	"strings"
	"testing"
)

func TestParseChannel(t *testing.T) {
	for _, tc := range []struct {
		list []Channel
		in   string
		want string
	}{
		{Channels, "trade_show", "trade_show"},
		{Channels, "Trade show", "trade_show"},
		{Channels, "TRADE SHOW", "trade_show"},
		{Channels, "行业展会", "trade_show"},
		{Channels, "展会", "trade_show"},
		{Channels, "ｗｅｂ", "web"},
		{Channels, "客户推荐", "referral"},
		{Channels, "陌拜", "cold_call"},
		{LostReasons, "价格", "price"},
		{LostReasons, "No Budget", "no_budget"},
		{LostReasons, "竞争对手", "competitor"},
		{ActivityKinds, "电话", "call"},
		{ActivityKinds, "Call", "call"},
		{ActivityKinds, "拜访", "visit"},
		{ActivityKinds, "e-mail", "email"},
		{ActivityKinds, "售后服务", "service"},
	} {
		got, err := ParseChannel(tc.list, tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseChannel(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		list []Channel
		in   string
		what string
	}{
		{Channels, "price", "source"}, // a lost reason's alias is not a source
		{Channels, "展", "source"},
		{LostReasons, "展会", "lost reason"},
		{ActivityKinds, "trade_show", "kind"},
	} {
		_, err := ParseChannel(tc.list, tc.in)
		if err == nil {
			t.Errorf("ParseChannel(%q) accepted", tc.in)
			continue
		}
		c := tc.list[0]
		if msg := err.Error(); !strings.Contains(msg, "is not a "+tc.what) || !strings.Contains(msg, c.Key) || !strings.Contains(msg, c.LabelEN) || !strings.Contains(msg, c.LabelZH) {
			t.Errorf("ParseChannel(%q) error %q: want a %s sentence listing keys and both labels", tc.in, msg, tc.what)
		}
	}
}

func TestParseStage(t *testing.T) {
	p := DefaultPipeline()
	for in, want := range map[string]string{
		"negotiation": "negotiation", "Negotiation": "negotiation", "商务洽谈": "negotiation", "洽谈": "negotiation",
		"签约": "won", "WON": "won", "流失": "lost", "closed lost": "lost", "潜在客户": "prospect",
	} {
		if got, err := p.ParseStage(in); err != nil || got != want {
			t.Errorf("ParseStage(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	_, err := p.ParseStage("nowhere")
	if err == nil || !strings.Contains(err.Error(), "is not a stage") || !strings.Contains(err.Error(), "won (Won, 签约)") {
		t.Errorf("ParseStage(nowhere) error = %v", err)
	}
	// An alias counts only when the pipeline has its stage.
	small := Pipeline{Stages: []Stage{{Key: "open", LabelEN: "Open", LabelZH: "进行中"}, {Key: "done", LabelEN: "Done", LabelZH: "完成"}}}
	if k, err := small.ParseStage("谈判"); err == nil {
		t.Errorf("ParseStage(谈判) on a pipeline without negotiation = %q", k)
	}
	if k, err := small.ParseStage("进行中"); err != nil || k != "open" {
		t.Errorf("ParseStage(进行中) = %q, %v", k, err)
	}
}
