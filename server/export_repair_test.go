package server

// SetReadChunk makes ListOps and CheckData read n entries or records per
// transaction until restore is called.
func SetReadChunk(n int) (restore func()) {
	old := readChunk
	readChunk = n
	return func() { readChunk = old }
}
