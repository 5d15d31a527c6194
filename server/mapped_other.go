//go:build !linux

package server

// residentFile is not known on this system: the server leaves its mapped
// pages to the kernel.
func residentFile() int64 { return 0 }

func dropMapped(addr uintptr, n int64) {}
