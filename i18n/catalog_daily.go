package i18n

// dailyEntries are the strings of the daily review, the visit log, visit
// mode, quick capture and the command palette (UI part 2). They join the
// catalog at start, so both halves are checked by the same tests.
var dailyEntries = []entry{
	// Screens.
	{"screen.board", "Board", "看板"},
	{"screen.today", "Today", "今日待办"},
	{"screen.visits", "Visit log", "拜访记录"},

	// Keys.
	{"key.done", "done", "完成"},
	{"key.snooze", "snooze", "推迟"},
	{"key.call", "log call", "记录电话"},
	{"key.reload", "reload", "刷新"},
	{"key.go_board", "board", "看板"},
	{"key.go_today", "today", "今日待办"},
	{"key.go_visits", "visit log", "拜访记录"},
	{"key.palette", "palette", "命令面板"},
	{"key.screens", "board/today/log", "看板/待办/记录"},
	{"key.capture", "quick note", "速记"},
	{"key.start_visit", "start visit", "开始拜访"},
	{"key.end_visit", "end visit", "结束拜访"},
	{"key.save", "save", "保存"},
	{"key.editor", "$EDITOR", "外部编辑器"},
	{"key.pick_lead", "pick lead", "选择客户"},
	{"key.edit_notes", "edit notes", "编辑记录"},
	{"key.filter_kind", "kind", "类型"},
	{"key.filter_lead", "this lead only", "只看此客户"},
	{"key.filter_dates", "date range", "日期范围"},
	{"key.clear", "clear filters", "清除筛选"},
	{"key.resume", "resume", "继续"},
	{"key.discard", "discard", "丢弃"},
	{"key.later", "later", "稍后"},
	{"key.run", "run", "执行"},
	{"key.minimize", "hide", "隐藏"},

	// Daily review.
	{"today.title", "Today", "今日待办"},
	{"today.count", "%d items", "共 %d 项"},
	{"today.section.overdue", "Overdue", "已逾期"},
	{"today.section.today", "Due today", "今天到期"},
	{"today.section.next_7_days", "Next 7 days", "未来7天"},
	{"today.section.rotting", "Rotting leads", "停滞线索"},
	{"today.section.return_visits", "Return visits due", "待回访客户"},
	{"today.section.complaints", "Open complaints", "未结投诉"},
	{"today.empty", "Nothing to follow up. Press 1 for the board.", "没有待跟进事项。按 1 返回看板。"},
	{"today.overdue_by", "%s -%dd", "%s 逾%d天"},
	{"today.return_visit", "Return visit", "定期回访"},
	{"daily.done_then", "Next step", "下一步"},
	{"daily.set_next", "Set the next step", "设置下一步"},
	{"daily.no_next", "No next step", "没有下一步"},
	{"daily.done_title", "Done: %s", "完成：%s"},
	{"daily.reviewed", "Reviewed in the daily review", "已在每日待办中处理"},
	{"daily.snooze_until", "Snooze until", "推迟到"},
	{"daily.snooze_day", "Tomorrow (+1 day)", "明天（+1天）"},
	{"daily.snooze_week", "Next week (+1 week)", "下周（+1周）"},
	{"daily.snooze_pick", "Pick a date", "选择日期"},
	{"daily.snooze_title", "Snooze: %s", "推迟：%s"},
	{"daily.snooze_tasks_only", "Only follow-ups can be snoozed; press d to mark this done.", "只能推迟跟进事项；按 d 标记完成。"},
	{"daily.call_title", "Log a call with %s", "记录与 %s 的电话"},

	// Visit log.
	{"visits.title", "Visit log", "拜访记录"},
	{"visits.count", "%d of %d", "%d / 共 %d"},
	{"visits.empty", "No activities match.", "没有符合条件的活动。"},
	{"visits.filter_placeholder", "words in the notes", "记录中的文字"},
	{"visits.kind_all", "all kinds", "全部类型"},
	{"visits.lead", "lead: %s", "客户：%s"},
	{"visits.range", "dates: %s", "日期：%s"},
	{"visits.range_prompt", "Date range (from..to, e.g. 11-01..11-30, -7d..today; empty clears): ", "日期范围（起..止，如 11-01..11-30、-7d..today；留空清除）："},
	{"visits.bad_range", "Not a date range: write from..to, e.g. 11-01..11-30.", "日期范围无效：请写成 起..止，如 11-01..11-30。"},
	{"visits.open", "open", "进行中"},
	{"visits.revision", "Revision %d of %d · %s · %s", "第 %d/%d 版 · %s · %s"},
	{"visits.revisions", "Earlier revisions", "历史版本"},
	{"visits.edit_title", "Edit the notes of %s (a new revision)", "编辑 %s 的记录（保存为新版本）"},
	{"visits.loading", "Reading the visit log…", "正在读取拜访记录…"},

	// Visit mode.
	{"visit.title", "Visit: %s", "拜访中：%s"},
	{"visit.since", "checked in at %s · %d min", "%s 签到 · 已 %d 分钟"},
	{"visit.started", "Checked in at %s.", "已于 %s 签到。"},
	{"visit.end_title", "End the visit to %s", "结束对 %s 的拜访"},
	{"visit.resumed", "An open visit to %s is back, with what you typed.", "对 %s 的拜访仍在进行，已恢复记录内容。"},
	{"visit.already_open", "A visit is already open; end it first (ctrl+s).", "已有进行中的拜访；请先结束（ctrl+s）。"},

	// Quick capture and the editor.
	{"capture.title", "Quick note", "速记"},
	{"capture.for", "for %s", "客户：%s"},
	{"capture.new_prospect", "new prospect: %s", "新客户：%s"},
	{"capture.pick", "Lead (type to search; a new name makes a prospect): ", "客户（输入搜索；新名称将创建新客户）："},
	{"capture.no_lead", "Pick a lead first (tab).", "请先选择客户（tab）。"},
	{"capture.saved", "Note saved to %s.", "已保存到 %s。"},
	{"capture.draft_saved", "draft saved %s", "草稿已保存 %s"},
	{"capture.draft_unsaved", "typing…", "输入中…"},
	{"capture.drafts_title", "Unsaved notes from last time", "上次未保存的记录"},
	{"capture.draft_line", "%s · %s · %s", "%s · %s · %s"},
	{"capture.editor_failed", "The editor failed; your text is still here.", "外部编辑器出错；内容仍保留在此。"},

	// Palette.
	{"palette.prompt", "Lead or action: ", "客户或操作："},
	{"palette.action", "action", "操作"},
	{"palette.lead", "lead", "客户"},
	{"palette.go_board", "Go to the board", "打开看板"},
	{"palette.go_today", "Go to today", "打开今日待办"},
	{"palette.go_visits", "Go to the visit log", "打开拜访记录"},
	{"palette.capture", "Quick note", "速记"},
	{"palette.start_visit", "Start a visit (pick a lead)", "开始拜访（选择客户）"},
	{"palette.help", "Show all keys", "显示全部按键"},
	{"palette.quit", "Quit", "退出"},
}

func init() {
	for _, e := range dailyEntries {
		index[e.key] = e
	}
	entries = append(entries, dailyEntries...)
}
