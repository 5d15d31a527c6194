package i18n

// complaintsCLIEntries are the command line's strings for complaints
// (`fieldcrm complaint`, the complaints of `lead show`), and for what
// import, export, merge and `lead add` say about approvals and service
// orders. Severity and status names are the UI's (catalog.go).
var complaintsCLIEntries = []entry{
	{"cli.complaint.added", "complaint %s on %s: %s, %s", "投诉 %s：%s，%s，%s"},
	{"cli.complaint.about", "about service order %s (%s)", "关于服务单 %s（%s）"},
	{"cli.complaint.head", "ID|OPENED|SEVERITY|STATUS|COMPANY|SERVICE|ISSUE", "编号|登记日期|严重程度|状态|公司|服务单|描述"},
	{"cli.complaint.none", "no complaints", "没有投诉"},
	{"cli.complaint.moved", "complaint %s on %s: %s", "投诉 %s（%s）：%s"},
	{"cli.lead.complaints", "complaints:", "投诉："},
	{"cli.lead.handed_off", "handed on to after-sales: %d service orders (fieldcrm service list --lead %s)", "已移交售后：服务单 %d 张（fieldcrm service list --lead %s）"},
	{"cli.approval.needed_new", "%s needs approval before it can be won (%s): add it at an earlier stage, ask with fieldcrm approval request, and move it to won once approved",
		"%s 需审批通过后才能赢单（%s）：请先以较早阶段添加，用 fieldcrm approval request 申请，审批通过后再移至签约"},
	{"cli.merge.done", "Merged %s into %s %s: %d contacts, %d activities, %d follow-ups, %d complaints and %d service orders moved over",
		"已将 %s 合并到 %s %s：转入联系人 %d 个、活动 %d 条、跟进 %d 项、投诉 %d 条、服务单 %d 张"},
	{"cli.merge.newer", "; newer values taken for %s", "；采用较新的值：%s"},
	{"cli.merge.end", ".", "。"},
	{"cli.merge.approvals_left", "%d approval requests stay with %s in the trash: a request belongs to its lead.", "%d 条审批申请随 %s 留在回收站：审批申请属于其原线索。"},
	{"cli.merge.refused_pending", "%s has approval request %s waiting for a decision, which the merged deal needs, and a request stays on its lead: merge the other way round (fieldcrm merge %s %s), or merge once it is decided",
		"%s 有待审批的申请 %s，合并后的商机需要它，而审批申请不随合并转移：请反向合并（fieldcrm merge %s %s），或待审批后再合并"},
	{"cli.merge.refused_approved", "%s has approval request %s approved, which the merged deal needs, and a request stays on its lead: merge the other way round (fieldcrm merge %s %s)",
		"%s 的审批申请 %s 已通过，合并后的商机需要它，而审批申请不随合并转移：请反向合并（fieldcrm merge %s %s）"},
	{"cli.import.children", "  and %d approval requests, %d service orders.", "  以及审批申请 %d 条、服务单 %d 张。"},
	{"cli.import.won_no_handoff", "%d leads came in won: taken as deals won before, so no service order or support task was made for them (add work with fieldcrm service add).",
		"%d 条线索以签约状态导入：视为此前已签约的客户，未生成服务单和技术支持任务（如需，用 fieldcrm service add 添加）。"},
	{"cli.export.approvals", ", %d approval requests, %d service orders", "，审批申请 %d 条，服务单 %d 张"},
}
