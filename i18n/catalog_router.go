package i18n

// routerEntries are the strings of the root router, its overlays, the trash and the refused list.
var routerEntries = []entry{
	// The root's keys and the help overlay.
	{"key.trash", "trash", "回收站"},
	{"key.close_help", "close the help", "关闭帮助"},
	// Questions.
	{"key.cancel", "cancel", "取消"},
	{"key.show_visit", "show that visit", "查看该拜访"},
	{"visit.other_open", "A visit to %s is open (since %s).", "对 %s 的拜访尚未结束（开始于 %s）。"},
	{"visit.other_open_hint", "End it first (ctrl+s in the visit) to check in here.", "请先结束它（在拜访中按 ctrl+s），再在此签到。"},
	{"visit.stale", "A visit to %s started %s is still open.", "对 %s 的拜访（开始于 %s）仍未结束。"},
	{"visit.stale_hint", "It was likely left open by mistake: end it now, or resume it.", "可能是忘记结束了：现在结束，或继续记录。"},
	{"key.end_visit_now", "end it now", "现在结束"},
	{"key.resume_visit", "resume it", "继续拜访"},
	// The trash.
	{"key.delete_lead", "to the trash", "移到回收站"},
	{"key.yes_trash", "yes, to the trash", "是，移到回收站"},
	{"key.no_keep", "no, keep it", "否，保留"},
	{"key.restore", "restore", "恢复"},
	{"trash.ask", "Move %s to the trash?", "将 %s 移到回收站？"},
	{"trash.ask_hint", "Its visits, follow-ups and complaints go with it; it can be restored for 30 days.", "其拜访、跟进和投诉一并移入；30 天内可以恢复。"},
	{"trash.moved", "%s is in the trash (%s shows the trash).", "%s 已移到回收站（按 %s 查看回收站）。"},
	{"trash.title", "Trash (%d)", "回收站（%d）"},
	{"trash.loading", "Reading the trash…", "正在读取回收站…"},
	{"trash.empty", "The trash is empty.", "回收站是空的。"},
	{"trash.deleted", "deleted %s · kept until %s", "删除于 %s · 保留至 %s"},
	{"trash.activities", "%s activities", "%s 条活动"},
	{"trash.restored", "%s is back from the trash.", "%s 已从回收站恢复。"},
	{"palette.trash", "Trash", "回收站"},
}
