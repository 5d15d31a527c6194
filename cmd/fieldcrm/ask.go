package main

import (
	"bufio"
	"fmt"
	"strings"
)

// onTerminal reports whether a person is there to answer a question:
// standard input and output are both terminals. Tests replace it.
var onTerminal = func(a *app) bool { return isTerminal(a.in) && isTerminal(a.out) }

// confirm asks a yes-or-no question on the terminal; only a yes (y, yes,
// 是) says yes, so Enter alone or end of input keeps things as they are.
func (a *app) confirm(question string) bool {
	fmt.Fprintf(a.out, "%s [y/N] ", question)
	line, _ := bufio.NewReader(a.in).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes", "是", "是的", "好":
		return true
	}
	return false
}
