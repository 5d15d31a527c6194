package i18n

// approvalsCLIEntries are the command line's strings of issue 16:
// `fieldcrm approval` and `fieldcrm service`, and the refusal of a move to
// won that needs approval. The names of statuses, kinds, roles and
// today's sections are the UI's (catalog_approvals_ui.go), shared.
var approvalsCLIEntries = []entry{
	{"cli.approval.asked", "asked for approval %s of %s (value %s)", "已提交审批申请 %s：%s（金额 %s）"},
	{"cli.approval.head", "ID|ASKED|COMPANY|VALUE|STATUS|BY|WHY", "编号|提交日期|公司|金额|状态|申请人|原因"},
	{"cli.approval.decided", "%s: request %s of %s", "%s：%s（%s）的审批申请"},
	{"cli.approval.own", "you asked for approval request %s yourself, so another approver decides it", "审批申请 %s 是您本人提出的，须由其他审批人决定"},
	{"cli.approval.may_not", "only %s approve or reject; the server last said your role is %s (log in again if it changed)", "只有%s可以审批；服务器上次告知您的角色是%s（如角色已变更，请重新登录）"},
	{"cli.approval.needed", "%s needs approval before it can be won (%s); ask with: fieldcrm approval request %s", "%s 需审批通过后才能赢单（%s）；申请：fieldcrm approval request %s"},
	{"cli.service.head", "ID|DUE|KIND|STATUS|COMPANY|WHO|NOTES", "编号|到期|类型|状态|公司|负责人|记录"},
	{"cli.service.none", "no service orders", "没有服务单"},
	{"cli.service.added", "service order %s: %s for %s, %s, due %s, %s", "服务单 %s：%s，%s，%s，到期 %s，%s"},
	{"cli.service.scheduled", "scheduled %s: %s for %s, %s, due %s, %s", "已排期 %s：%s，%s，%s，到期 %s，%s"},
	{"cli.service.done", "done %s: %s for %s, %s, due %s, %s", "已完成 %s：%s，%s，%s，到期 %s，%s"},
	{"cli.service.cancelled", "cancelled %s: %s for %s, %s, due %s, %s", "已取消 %s：%s，%s，%s，到期 %s，%s"},
	{"cli.lead.approvals", "approvals:", "审批："},
	{"cli.lead.services", "service orders:", "服务单："},
	{"cli.lead.approval_needed", "needs approval before it can be won (%s): fieldcrm approval request %s", "赢单前需审批（%s）：fieldcrm approval request %s"},
	{"cli.none", "none", "无"},
	{"cli.labelled", "%s: %s", "%s：%s"},
}
