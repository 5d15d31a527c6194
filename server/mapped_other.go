//go:build !linux

package server

// The resident set is not read on this system: the server leaves its
// mapped pages to the kernel.

func residentFile() int64 { return 0 }

func residentAt(addr uintptr) int64 { return 0 }

func dropMapped(addr uintptr, n int64) {}
