package server

import (
	"os/exec"
	"strings"
	"testing"
)

// TestServerDoesNotLinkTheClient guards the layering of DESIGN.md §2: the
// server shares only the wire types and the model with the laptop side,
// never its store, sync loop, UI or config loader.
func TestServerDoesNotLinkTheClient(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	const mod = "github.com/fieldcrm/fieldcrm/"
	for _, pkg := range strings.Fields(string(out)) {
		for _, banned := range []string{"store", "remote", "ui", "config"} {
			if pkg == mod+banned || strings.HasPrefix(pkg, mod+banned+"/") {
				t.Errorf("the server links %s; it may share only wire and model with the client", pkg)
			}
		}
	}
}
