package i18n

// formsEntries are the strings of forms, editors, drafts and quick capture.
var formsEntries = []entry{}
