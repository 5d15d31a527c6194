package ui

import (
	"os/exec"
	"strings"
	"testing"
)

// TestUIDoesNotLinkServerOrConfig guards the layering of DESIGN.md §2:
// settings reach the UI as values from cmd, and the UI never links the
// server or the config loader.
func TestUIDoesNotLinkServerOrConfig(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "./...").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	const mod = "github.com/fieldcrm/fieldcrm/"
	for _, pkg := range strings.Fields(string(out)) {
		for _, banned := range []string{"server", "config"} {
			if pkg == mod+banned || strings.HasPrefix(pkg, mod+banned+"/") {
				t.Errorf("the UI links %s; settings must reach it as values from cmd", pkg)
			}
		}
	}
}
