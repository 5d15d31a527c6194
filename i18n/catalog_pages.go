package i18n

// pagesEntries are the strings of today, the reports screen, the board's cards and amounts.
var pagesEntries = []entry{}
