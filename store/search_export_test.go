package store

// BuildSearch is buildSearch for the benchmarks of store_test: the index
// built from nothing, as migration 10 and doctor --repair build it.
var BuildSearch = buildSearch

// SetMaxCarried sets how many bytes a Carry holds at most, for a test;
// the function it returns sets it back.
func SetMaxCarried(n int) func() {
	was := maxCarried
	maxCarried = n
	return func() { maxCarried = was }
}
