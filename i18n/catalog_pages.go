package i18n

// pagesEntries are the strings of today, the reports screen, the board's cards and amounts.
var pagesEntries = []entry{
	{"key.next_section", "next section", "下一组"},
	{"key.prev_section", "previous section", "上一组"},
}
