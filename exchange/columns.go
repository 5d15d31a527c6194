package exchange

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/fieldcrm/fieldcrm/model"
)

// Fields a column can map to. Columns mapped to none of these go into the
// lead's custom fields under their header; FieldSkip drops a column only
// when the user asks for it with --map 'Column=-'.
const (
	FieldID             = "id"
	FieldCompany        = "company"
	FieldContact        = "contact"
	FieldFirstName      = "first_name"
	FieldLastName       = "last_name"
	FieldTitle          = "title"
	FieldMobile         = "mobile"
	FieldPhone          = "phone"
	FieldEmail          = "email"
	FieldRegion         = "region"
	FieldCity           = "city"
	FieldAddress        = "address"
	FieldIndustry       = "industry"
	FieldSource         = "source"
	FieldStage          = "stage"
	FieldValue          = "value"
	FieldCurrency       = "currency"
	FieldProbability    = "probability"
	FieldExpectedClose  = "expected_close"
	FieldProducts       = "products"
	FieldTags           = "tags"
	FieldOwner          = "owner"
	FieldAssignees      = "assignees"
	FieldFollowUp       = "follow_up"
	FieldFollowUpAction = "follow_up_action"
	FieldNotes          = "notes"
	FieldLostReason     = "lost_reason"
	FieldContractNumber = "contract_number"
	FieldContractSigned = "contract_signed_on"
	FieldContractValue  = "contract_value"
	FieldCreatedAt      = "created_at"
	FieldSkip           = "-"
	customPrefix        = "custom:"
)

// Fields lists every field a column may be mapped to with --map, in the
// order exports write them.
var Fields = []string{
	FieldID, FieldCompany, FieldContact, FieldFirstName, FieldLastName, FieldTitle, FieldMobile, FieldPhone,
	FieldEmail, FieldRegion, FieldCity, FieldAddress, FieldIndustry, FieldSource, FieldStage, FieldValue,
	FieldCurrency, FieldProbability, FieldExpectedClose, FieldProducts, FieldTags, FieldOwner, FieldAssignees,
	FieldFollowUp, FieldFollowUpAction, FieldNotes, FieldLostReason, FieldContractNumber, FieldContractSigned,
	FieldContractValue, FieldCreatedAt,
}

// headerAliases are the header names each field is known by: our own
// export's headers, common English and Chinese names, and the names
// Pipedrive, HubSpot and Salesforce write. Matching ignores case, width,
// spaces and punctuation. This table and the others below are built on
// first use, not at start, as every command would pay for them.
var headerAliases = sync.OnceValue(func() map[string][]string {
	return map[string][]string{
		FieldID:             {"id", "fieldcrm id", "编号", "客户编号", "lead id"},
		FieldCompany:        {"company", "company name", "organization", "organisation", "organization name", "organization - name", "account", "account name", "customer", "customer name", "client", "firm", "business name", "company / account", "associated company", "deal - organization", "person - organization", "公司", "公司名称", "客户名称", "客户", "单位", "单位名称", "企业名称", "企业", "机构名称", "组织", "组织名称", "客户全称"},
		FieldContact:        {"contact", "contact name", "name", "full name", "person", "person - name", "contact person", "primary contact", "deal - contact person", "associated contact", "联系人", "联系人姓名", "姓名", "客户联系人", "对接人"},
		FieldFirstName:      {"first name", "firstname", "given name", "名"},
		FieldLastName:       {"last name", "lastname", "surname", "family name", "姓"},
		FieldTitle:          {"title", "job title", "position", "role", "person - job title", "职位", "职务", "头衔", "岗位"},
		FieldMobile:         {"mobile", "mobile phone", "mobile phone number", "cell", "cell phone", "person - phone - mobile", "手机", "手机号", "手机号码", "移动电话"},
		FieldPhone:          {"phone", "phone number", "telephone", "tel", "work phone", "business phone", "person - phone", "person - phone - work", "电话", "电话号码", "联系电话", "座机", "办公电话", "固话"},
		FieldEmail:          {"email", "e-mail", "email address", "e-mail address", "mail", "person - email", "person - email - work", "邮箱", "电子邮箱", "电子邮件", "邮件", "email地址", "邮箱地址"},
		FieldRegion:         {"region", "state", "province", "state/region", "state/province", "billing state/province", "billing state", "organization - state", "区域", "地区", "省份", "省", "大区", "所属区域"},
		FieldCity:           {"city", "town", "billing city", "organization - city", "城市", "市", "所在城市"},
		FieldAddress:        {"address", "street", "street address", "billing street", "billing address", "organization - address", "mailing street", "地址", "详细地址", "公司地址", "联系地址", "通讯地址"},
		FieldIndustry:       {"industry", "sector", "organization - industry", "行业", "所属行业", "行业类别"},
		FieldSource:         {"source", "lead source", "original source", "deal - source", "channel", "source channel", "来源", "客户来源", "线索来源", "渠道", "开发渠道", "来源渠道"},
		FieldStage:          {"stage", "deal stage", "deal - stage", "pipeline stage", "lifecycle stage", "lead status", "status", "opportunity stage", "阶段", "销售阶段", "客户阶段", "商机阶段", "状态", "跟进状态"},
		FieldValue:          {"value", "amount", "deal value", "deal - value", "deal amount", "opportunity amount", "estimated value", "expected revenue", "预计金额", "金额", "预估金额", "商机金额", "预计成交金额", "预算"},
		FieldCurrency:       {"currency", "deal - currency", "amount currency", "币种", "货币"},
		FieldProbability:    {"probability", "probability (%)", "deal - probability", "win probability", "赢单率", "成交概率", "概率", "赢率"},
		FieldExpectedClose:  {"expected close", "expected close date", "close date", "deal - expected close date", "预计成交日期", "预计签约日期", "预计成交时间"},
		FieldProducts:       {"products", "product", "products of interest", "product interest", "意向产品", "产品", "感兴趣产品"},
		FieldTags:           {"tags", "tag", "labels", "label", "organization - label", "deal - label", "标签"},
		FieldOwner:          {"owner", "lead owner", "account owner", "contact owner", "deal owner", "deal - owner", "owner name", "record owner", "opportunity owner", "organization - owner", "person - owner", "负责人", "销售", "销售代表", "所属销售", "跟进人", "业务员", "客户经理"},
		FieldAssignees:      {"assignees", "assigned to", "collaborators", "协作人", "参与人"},
		FieldFollowUp:       {"next follow-up", "next follow up", "follow-up date", "follow up date", "next activity date", "deal - next activity date", "next step date", "next contact date", "下次跟进", "下次跟进时间", "下次跟进日期", "跟进日期", "下次联系时间", "回访日期"},
		FieldFollowUpAction: {"next follow-up action", "next step", "next action", "follow-up action", "follow up action", "跟进事项", "下一步", "下一步计划", "跟进内容", "下次跟进事项"},
		FieldNotes:          {"notes", "note", "description", "comments", "comment", "remarks", "备注", "说明", "描述", "备忘", "沟通记录", "跟进记录"},
		FieldLostReason:     {"lost reason", "deal - lost reason", "reason lost", "closed lost reason", "流失原因", "丢单原因", "输单原因"},
		FieldContractNumber: {"contract number", "contract no", "contract no.", "合同编号", "合同号"},
		FieldContractSigned: {"contract signed", "contract signed on", "signed on", "signing date", "won time", "deal - won time", "签约日期", "签订日期", "合同日期"},
		FieldContractValue:  {"contract value", "contract amount", "合同金额", "签约金额"},
		FieldCreatedAt:      {"created", "created at", "create date", "created date", "date created", "deal - deal created", "创建时间", "创建日期", "录入时间"},
	}
})

var aliasIndex = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for f, names := range headerAliases() {
		for _, n := range append(names, f) {
			k := normHeader(n)
			if prev, ok := m[k]; ok && prev != f {
				panic(fmt.Sprintf("header alias %q maps to both %s and %s", n, prev, f))
			}
			m[k] = f
		}
	}
	return m
})

// normHeader folds a header for matching: half width, lower case, without
// spaces, punctuation and the asterisk that marks required columns.
func normHeader(s string) string {
	s = foldWidth(strings.TrimSpace(s))
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '%' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Column says where one column of the file goes.
type Column struct {
	Index  int    `json:"index"`
	Header string `json:"header"`
	// Field is one of Fields, "custom:<name>", or "-" (skipped on request).
	Field string `json:"field"`
	// Auto is true when the field came from the header name, false when
	// from --map or when the column went to custom fields.
	Auto bool `json:"auto"`
}

// MapColumns maps each header to a field: an override from overrides
// (keyed by header, matched like header aliases) first, then the known
// header names; anything else becomes a custom field under its header, and
// a column without a header gets "column N". A field claimed by two
// columns keeps the first; the second goes to custom fields.
func MapColumns(headers []string, overrides map[string]string) ([]Column, error) {
	over := map[string]string{}
	for h, f := range overrides {
		f = strings.TrimSpace(f)
		if f == customPrefix {
			return nil, fmt.Errorf("--map %s=%s: give the custom field a name, e.g. custom:booth", h, f)
		}
		if f != FieldSkip && !strings.HasPrefix(f, customPrefix) && !slices.Contains(Fields, f) {
			return nil, fmt.Errorf("--map %s=%s: %q is not a field (fields: %s; or custom:NAME, or - to skip)", h, f, f, strings.Join(Fields, ", "))
		}
		over[normHeader(h)] = f
	}
	// First the columns the user mapped, so their fields are taken
	// before any header claims them by name; then the rest by name.
	used := map[string]bool{}
	cols := make([]Column, len(headers))
	for i, h := range headers {
		c := Column{Index: i, Header: strings.TrimSpace(h)}
		if c.Header == "" {
			c.Header = fmt.Sprintf("column %d", i+1)
		}
		key := normHeader(c.Header)
		if key == normHeader(rejectRowHeader) || key == normHeader(rejectProblemHeader) {
			c.Field = FieldSkip
		} else if f, ok := over[key]; ok {
			if used[f] && f != FieldSkip && !strings.HasPrefix(f, customPrefix) {
				return nil, fmt.Errorf("--map %s=%s: another column is already mapped to %s", c.Header, f, f)
			}
			c.Field, used[f] = f, true
			delete(over, key)
		}
		cols[i] = c
	}
	for i := range cols {
		c := &cols[i]
		if c.Field != "" {
			continue
		}
		if f, ok := aliasIndex()[normHeader(c.Header)]; ok && !used[f] {
			c.Field, c.Auto, used[f] = f, true, true
		} else {
			c.Field = customPrefix + c.Header
		}
	}
	for h := range over {
		for hdr, f := range overrides {
			if normHeader(hdr) == h {
				return nil, fmt.Errorf("--map %s=%s: the file has no column %q", hdr, f, hdr)
			}
		}
	}
	return cols, nil
}

// KnownHeaders counts the headers that map to a field by name: how much a
// row looks like a header row.
func KnownHeaders(row []string) int {
	n := 0
	for _, h := range row {
		if _, ok := aliasIndex()[normHeader(h)]; ok {
			n++
		}
	}
	return n
}

// StageKey maps a stage as a file writes it (key, label in either
// language, or another tool's name for it) to a key of p.
func StageKey(p model.Pipeline, v string) (string, bool) {
	return p.Matcher().Key(v)
}

// stageIndex finds stages by their folded key, labels and aliases; an
// import builds it once instead of folding every label for every row.
type stageIndex = model.Matcher

func newStageIndex(p model.Pipeline) stageIndex { return p.Matcher() }

// ChannelKey maps a source as a file writes it to a channel key.
func ChannelKey(v string) (string, bool) {
	return channelIndex().Key(v)
}

var channelIndex = sync.OnceValue(func() model.Matcher { return model.ChannelMatcher(model.Channels) })

var lostIndex = sync.OnceValue(func() model.Matcher { return model.ChannelMatcher(model.LostReasons) })

// LostReasonKey maps a lost reason to its key; other text stays as given.
func LostReasonKey(v string) string {
	if key, ok := lostIndex().Key(v); ok {
		return key
	}
	return strings.TrimSpace(v)
}
