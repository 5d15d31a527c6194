package store

// BuildSearch is buildSearch for the benchmarks of store_test: the index
// built from nothing, as migration 10 and doctor --repair build it.
var BuildSearch = buildSearch
