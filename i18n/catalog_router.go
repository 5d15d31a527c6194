package i18n

// routerEntries are the strings of the root router, its overlays, the trash and the refused list.
var routerEntries = []entry{}
