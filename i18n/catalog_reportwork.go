package i18n

// reportWorkEntries are the reports screen's words for the approval
// turnaround and open service work reports (issue 16).
var reportWorkEntries = []entry{
	{"reports.tab_approvals", "Approvals", "审批"},
	{"reports.tab_service", "Service", "售后"},
	{"reports.no_period", "Period: none, the work open today", "期间：不适用，今天未完成的工作"},
}
