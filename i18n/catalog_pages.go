package i18n

// pagesEntries are the strings of today, the reports screen, the board's cards and amounts.
var pagesEntries = []entry{
	// Idle is days since the last touch wherever it is shown; a lead past
	// its stage's limit shows it in the rotting colour.
	{"board.idle", "idle %dd", "未跟进%d天"},
	// The reports screen's first period: each report's own, as the CLI's.
	{"reports.period_default", "default", "默认"},
	{"key.next_section", "next section", "下一组"},
	{"key.prev_section", "previous section", "上一组"},
}
