package server

// SetMaxPrefetchBytes sets the records a PostgreSQL push keeps read ahead
// to n bytes, for a test, and returns what undoes it.
func SetMaxPrefetchBytes(n int) (undo func()) {
	old := maxPrefetchBytes
	maxPrefetchBytes = n
	return func() { maxPrefetchBytes = old }
}
