//go:build !race

package exchange

const raceBuild = false
