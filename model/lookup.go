package model

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// Matcher finds the key of a list entry (a stage, source, lost reason or
// activity kind) from what a user or a file wrote: the key, the English
// label (any case), the Chinese label, or a known other name for it.
// Spaces, punctuation and full-width forms do not matter.
type Matcher struct {
	names map[string]string
	what  string
	known []Channel
}

// Key returns the key s names and whether it names one.
func (m Matcher) Key(s string) (string, bool) {
	k, ok := m.names[FoldName(s)]
	return k, ok
}

// Parse returns the key s names, or an error sentence that lists the
// accepted keys with their labels in both languages.
func (m Matcher) Parse(s string) (string, error) {
	if k, ok := m.Key(s); ok {
		return k, nil
	}
	forms := make([]string, len(m.known))
	for i, c := range m.known {
		forms[i] = fmt.Sprintf("%s (%s, %s)", c.Key, c.LabelEN, c.LabelZH)
	}
	return "", fmt.Errorf("%q is not a %s: write one of %s", s, m.what, strings.Join(forms, ", "))
}

// FoldName folds a name for matching: half width, lower case, letters and
// digits only ("Trade show", "trade_show" and "ＴＲＡＤＥ　ＳＨＯＷ" fold
// alike).
func FoldName(s string) string {
	s = strings.TrimSpace(s)
	for _, r := range s {
		if r == '\u3000' || r >= 0xFF00 && r <= 0xFFEF {
			s = width.Fold.String(s)
			break
		}
	}
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '%' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func newMatcher(what string, list []Channel, aliases map[string]string) Matcher {
	m := Matcher{names: map[string]string{}, what: what, known: list}
	has := map[string]bool{}
	for _, c := range list {
		has[c.Key] = true
	}
	for alias, key := range aliases {
		if has[key] {
			m.names[FoldName(alias)] = key
		}
	}
	// The list's own keys and labels win over aliases.
	for _, c := range list {
		for _, name := range []string{c.Key, c.LabelEN, c.LabelZH} {
			if k := FoldName(name); k != "" {
				m.names[k] = c.Key
			}
		}
	}
	return m
}

// ChannelMatcher returns the matcher for list, one of Channels,
// LostReasons or ActivityKinds (or a list like them), knowing the other
// names people and other tools use for their entries.
func ChannelMatcher(list []Channel) Matcher {
	what := "value"
	if len(list) > 0 {
		switch list[0].Key {
		case Channels[0].Key:
			what = "source"
		case LostReasons[0].Key:
			what = "lost reason"
		case ActivityKinds[0].Key:
			what = "kind"
		}
	}
	return newMatcher(what, list, channelAliases)
}

// ParseChannel returns the key of the entry of list that s names (key,
// label in either language, or a known other name), or an error sentence
// listing the accepted forms. The CLI's flags and the importer both read
// sources, lost reasons and activity kinds through it.
func ParseChannel(list []Channel, s string) (string, error) {
	return ChannelMatcher(list).Parse(s)
}

// Matcher returns the matcher for the pipeline's stages.
func (p Pipeline) Matcher() Matcher {
	list := make([]Channel, len(p.Stages))
	for i, s := range p.Stages {
		list[i] = Channel{s.Key, s.LabelEN, s.LabelZH}
	}
	return newMatcher("stage", list, stageAliases)
}

// ParseStage returns the key of the stage s names (key, label in either
// language, or another tool's name for it), or an error sentence listing
// the stages.
func (p Pipeline) ParseStage(s string) (string, error) {
	return p.Matcher().Parse(s)
}

// stageAliases are names other tools and people use for the default
// stages; an alias counts only when the pipeline has its stage.
var stageAliases = map[string]string{
	"lead": "prospect", "new": "prospect", "newlead": "prospect", "open": "prospect", "subscriber": "prospect",
	"prospecting": "prospect", "unqualified": "prospect", "attemptingtocontact": "contacted", "opendeal": "solution", "other": "prospect",
	"潜在": "prospect", "新线索": "prospect", "线索": "prospect", "潜客": "prospect", "新建": "prospect",
	"qualification": "qualified", "marketingqualifiedlead": "qualified", "salesqualifiedlead": "qualified",
	"mql": "qualified", "sql": "qualified", "qualifiedtobuy": "qualified", "筛选": "qualified", "合格": "qualified",
	"contacted": "contacted", "working": "contacted", "workingcontacted": "contacted", "inprogress": "contacted",
	"connected": "contacted", "contactmade": "contacted", "attemptedtocontact": "contacted", "appointmentscheduled": "contacted", "已联系": "contacted", "已接触": "contacted", "沟通中": "contacted", "跟进中": "contacted", "初步接触": "contacted",
	"needsanalysis": "solution", "proposal": "solution", "proposalmade": "solution", "presentationscheduled": "solution",
	"proposalpricequote": "solution", "valueproposition": "solution", "opportunity": "solution", "方案": "solution", "需求分析": "solution", "报价": "solution",
	"negotiationreview": "negotiation", "negotiationsstarted": "negotiation", "decisionmakerboughtin": "negotiation",
	"contractsent": "negotiation", "谈判": "negotiation", "商务谈判": "negotiation", "洽谈": "negotiation",
	"closedwon": "won", "customer": "won", "evangelist": "won", "converted": "won", "成交": "won", "已成交": "won", "赢单": "won", "已签约": "won", "客户": "won",
	"closedlost": "lost", "closednotconverted": "lost", "disqualified": "lost", "丢单": "lost", "输单": "lost", "已流失": "lost", "失败": "lost",
}

// channelAliases map other names for sources, lost reasons and activity
// kinds to their keys; an alias counts only for a list that has its key.
// No alias may name two keys of different lists.
var channelAliases = map[string]string{
	// sources
	"tradeshow": "trade_show", "exhibition": "trade_show", "event": "trade_show", "events": "trade_show", "expo": "trade_show",
	"conference": "trade_show", "fair": "trade_show", "展会": "trade_show", "展览会": "trade_show", "会展": "trade_show",
	"website": "web", "web": "web", "online": "web", "internet": "web", "organicsearch": "web", "paidsearch": "web",
	"socialmedia": "web", "emailmarketing": "web", "directtraffic": "web", "paidsocial": "web", "webform": "web",
	"网站": "web", "网络": "web", "官网": "web", "线上": "web", "互联网": "web", "网络推广": "web",
	"referral": "referral", "referrals": "referral", "partner": "referral", "partnerreferral": "referral",
	"customerreferral": "referral", "employeereferral": "referral", "wordofmouth": "referral",
	"推荐": "referral", "转介绍": "referral", "介绍": "referral", "老客户推荐": "referral", "朋友介绍": "referral",
	"marketresearch": "market_research", "research": "market_research", "调研": "market_research", "市场调查": "market_research",
	"coldcall": "cold_call", "coldcalling": "cold_call", "outbound": "cold_call", "telemarketing": "cold_call", "doortodoor": "cold_call",
	"陌拜": "cold_call", "电话营销": "cold_call", "陌生电话": "cold_call", "电销": "cold_call", "扫街": "cold_call",
	"other": "other", "others": "other", "其它": "other",
	// lost reasons
	"price": "price", "toexpensive": "price", "tooexpensive": "price", "价格高": "price", "价格太高": "price",
	"lostttocompetitor": "competitor", "losttocompetitor": "competitor", "竞品": "competitor",
	"nobudget": "no_budget", "budget": "no_budget", "没有预算": "no_budget", "预算不足": "no_budget",
	"noresponse": "no_response", "unresponsive": "no_response", "nodecision": "no_response", "联系不上": "no_response", "无响应": "no_response",
	// activity kinds
	"phone": "call", "phonecall": "call", "打电话": "call", "通话": "call",
	"走访": "visit", "上门": "visit", "上门拜访": "visit", "mail": "email",
	"售后": "service", "维修": "service", "培训": "service", "笔记": "note", "备注": "note",
}
