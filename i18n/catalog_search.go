package i18n

// searchEntries are the strings of full-text search: `fieldcrm search`,
// the palette and the visit log.
var searchEntries = []entry{
	{"search.header", "ID|WHAT|WHEN|COMPANY|FOUND IN|TEXT", "编号|类型|时间|公司|匹配字段|内容"},
	{"search.lead", "lead", "线索"},
	{"search.none", "Nothing holds \"%s\".", "没有找到包含“%s”的记录。"},
	{"search.more", "%d more of %d; --limit 0 lists all.", "还有 %d 条（共 %d 条）；--limit 0 列出全部。"},
	{"search.field.company", "company", "公司"},
	{"search.field.contacts", "contacts", "联系人"},
	{"search.field.place", "city, tags", "城市、标签"},
	{"search.field.notes", "notes", "备注"},
	{"palette.activity", "note", "记录"},
}
