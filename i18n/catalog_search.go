package i18n

// searchEntries are the strings of full-text search in the palette and the visit log.
var searchEntries = []entry{}
