package report

import "github.com/fieldcrm/fieldcrm/model"

// labels holds every string the reports show, in English and Simplified
// Chinese side by side, so none can exist in one language only.
var labels = map[string][2]string{
	"progress":          {"Progress against target", "目标完成进度"},
	"funnel":            {"Funnel", "销售漏斗"},
	"forecast":          {"Weighted forecast by expected close", "按预计成交月份的加权预测"},
	"channels":          {"Channel yield", "渠道成效"},
	"activity":          {"Activity per week", "每周客户接触"},
	"lost":              {"Lost reasons", "流失原因"},
	"commission":        {"Commission estimate", "提成估算"},
	"period":            {"Period", "期间"},
	"rep":               {"Rep", "销售"},
	"team":              {"Team", "团队"},
	"won":               {"Won", "签约"},
	"won_value":         {"Won value", "签约金额"},
	"target":            {"Target", "目标"},
	"target_val":        {"Target value", "目标金额"},
	"gap":               {"Gap", "差额"},
	"per_week":          {"Per week", "每周需"},
	"weeks_left":        {"%.1f weeks left", "剩余 %.1f 周"},
	"no_target":         {"no target", "未设目标"},
	"stage":             {"Stage", "阶段"},
	"reached":           {"Reached", "到达"},
	"to_next":           {"To next", "转化率"},
	"median_days":       {"Median days", "中位天数"},
	"stays":             {"Stays", "样本"},
	"lost_count":        {"Lost in period: %d", "本期流失：%d"},
	"unknown":           {"Unknown stage", "未知阶段"},
	"unknown_n":         {"Unknown stage (removed from the pipeline): %d leads, %s", "未知阶段（已从流程中删除）：%d 条线索，%s"},
	"month":             {"Month", "月份"},
	"leads":             {"Leads", "线索"},
	"value":             {"Value", "金额"},
	"weighted":          {"Weighted", "加权金额"},
	"earlier":           {"Earlier", "更早"},
	"later":             {"Later", "以后"},
	"no_date":           {"No date", "未定日期"},
	"total":             {"Total", "合计"},
	"channel":           {"Channel", "渠道"},
	"conversion":        {"Won %", "成交率"},
	"week":              {"Week", "周"},
	"visits":            {"Visits", "拜访"},
	"calls":             {"Calls", "电话"},
	"meetings":          {"Meetings", "会议"},
	"other":             {"Other", "其他"},
	"trend":             {"Trend", "趋势"},
	"stale":             {"Open leads without a touch in 30 days: %d", "30 天未跟进的在跟线索：%d"},
	"company":           {"Company", "公司"},
	"last_touch":        {"Last touch", "最近跟进"},
	"idle":              {"Idle (days)", "未跟进天数"},
	"reason":            {"Reason", "原因"},
	"value_lost":        {"Value lost", "流失金额"},
	"commission_":       {"Commission", "提成"},
	"plan":              {"Plan: %s", "提成方案：%s"},
	"none":              {"Nothing in this period.", "本期间没有数据。"},
	"more":              {"… and %d more", "……另有 %d 条"},
	"no_plan":           {"No commission plan is set: add [commission] to config.toml.", "尚未设置提成方案：请在 config.toml 中添加 [commission]。"},
	"approvals":         {"Approval turnaround", "审批周期"},
	"requester":         {"Requested by", "申请人"},
	"requests":          {"Requests", "申请"},
	"approved":          {"Approved", "批准"},
	"rejected":          {"Rejected", "驳回"},
	"pending":           {"Pending", "待审批"},
	"median_hours":      {"Median h", "中位小时"},
	"p90_hours":         {"P90 h", "90%小时"},
	"approver":          {"Approver", "审批人"},
	"decided":           {"Decided", "已决定"},
	"by_approver":       {"By approver (the decision in force):", "按审批人（以生效的决定计）："},
	"oldest_pending":    {"Still pending: %d, the oldest waiting %s h", "仍待审批：%d，最久已等 %s 小时"},
	"revised":           {"Requests with more than one decision: %d (the latest is in force)", "有多个决定的申请：%d（以最新的为准）"},
	"no_requests":       {"No approval requests in this period.", "本期间没有审批申请。"},
	"service":           {"Open service work", "未完成的售后服务"},
	"as_of":             {"as of %s", "截至 %s"},
	"service_note":      {"Open and scheduled orders; ages in days; overdue: past the due day.", "未完成及已排期的服务单；时长以天计；逾期：已过截止日。"},
	"orders":            {"Open", "未完成"},
	"overdue":           {"Overdue", "逾期"},
	"oldest":            {"Oldest", "最久"},
	"no_service":        {"No open service work.", "没有未完成的售后服务。"},
	"svc_install":       {"Inst.", "安装"},
	"svc_commissioning": {"Comm.", "调试"},
	"svc_maintenance":   {"Maint.", "保养"},
	"svc_repair":        {"Repair", "维修"},
	"svc_training":      {"Train.", "培训"},
}

// L returns the label key in lang ("zh" or English); a missing key
// returns itself so a gap shows instead of an empty space.
func L(lang, key string) string {
	l, ok := labels[key]
	if !ok {
		return key
	}
	if lang == "zh" {
		return l[1]
	}
	return l[0]
}

// StageLabel is the stage's label in lang, or "Unknown stage (key)" for a
// stage the pipeline no longer has.
func StageLabel(p model.Pipeline, key, lang string) string {
	if s, ok := p.Stage(key); ok {
		return s.Label(lang)
	}
	return L(lang, "unknown") + " (" + key + ")"
}

// ChannelLabel is a source channel's label in lang.
func ChannelLabel(key, lang string) string { return model.LabelIn(model.Channels, key, lang) }

// ReasonLabel is a lost reason's label in lang.
func ReasonLabel(key, lang string) string { return model.LabelIn(model.LostReasons, key, lang) }
