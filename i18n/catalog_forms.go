package i18n

// formsEntries are the strings of forms, editors, drafts and quick capture.
var formsEntries = []entry{
	// Forms: the keys, the same in every form.
	{"key.form_next_field", "next field", "下一项"},
	{"key.new_line", "new line", "换行"},
	{"key.keep_draft", "keep as a draft", "保留为草稿"},
	{"key.back_to_form", "back to the form", "返回表单"},
	{"form.keep_question", "Keep what you typed as a draft? k keeps it (offered at the next start), d discards it, esc goes back.", "保留已输入的内容为草稿吗？k 保留（下次启动时提供恢复），d 丢弃，esc 返回表单。"},
	{"form.kept", "Kept as a draft; it is offered at the next start.", "已保留为草稿；下次启动时可恢复。"},
	{"form.fix_fields", "A field needs fixing (marked ✗) before saving.", "有字段需要修改（标有 ✗）才能保存。"},
	{"form.unknown_draft", "This draft is of a form this version does not know (%s).", "此草稿属于本版本不认识的表单（%s）。"},
	// Won and lost from any stage.
	{"key.mark_won", "mark won", "标记签约"},
	{"key.mark_lost", "mark lost", "标记流失"},
	{"key.won_lost", "won/lost", "签约/流失"},
	{"form.lost_pick", "(pick a reason, or type one below)", "（选择原因，或在下方填写）"},
	{"field.lost_words", "Reason in your own words", "原因说明"},
	{"form.err_lost_reason", "Pick a reason or type one.", "请选择或填写流失原因。"},
	// The drafts offered at start: which form a draft is of.
	{"draft.form.new_lead", "new lead", "新建线索"},
	{"draft.form.edit_lead", "edit lead", "编辑线索"},
	{"draft.form.contact", "contact", "联系人"},
	{"draft.form.follow_up", "follow-up", "跟进"},
	{"draft.form.visit", "visit", "拜访"},
	{"draft.form.complaint", "complaint", "投诉"},
	{"draft.form.call", "call", "电话"},
	{"draft.form.done", "done", "完成"},
	{"draft.form.snooze", "snooze", "推迟"},
	{"draft.form.end_visit", "end of visit", "结束拜访"},
	{"draft.form.won", "won", "签约"},
	{"draft.form.lost", "lost", "流失"},
}
