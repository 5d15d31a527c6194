package i18n

// reportsEntries are the short tab names of the reports screen. They join
// the catalog through all, so the same tests check them.
var reportsEntries = []entry{
	{"reports.tab_progress", "Progress", "进度"},
	{"reports.tab_funnel", "Funnel", "漏斗"},
	{"reports.tab_forecast", "Forecast", "预测"},
	{"reports.tab_channels", "Channels", "渠道"},
	{"reports.tab_activity", "Activity", "活动"},
	{"reports.tab_lost", "Lost", "流失"},
	{"reports.tab_commission", "Commission", "提成"},
	{"reports.period_line", "Period: %s (%s)", "期间：%s（%s）"},
	{"reports.rep_line", "Rep: %s", "销售：%s"},
	{"key.scroll", "scroll", "滚动"},
}
