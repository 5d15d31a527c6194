//go:build race

package exchange

// raceBuild: the race detector's build allocates more than the bounds
// some tests measure (runtime.MemStats), so those skip under it.
const raceBuild = true
