package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestShippedBinaryLinksNoStartupWeight: every package linked into the
// binary runs its initialisation at every start of every command on every
// laptop. The man pages' Markdown renderer is linked only with -tags man,
// and /metrics is written without a metrics library (server/metrics.go);
// the packaging tool (nfpm) is a module of its own.
func TestShippedBinaryLinksNoStartupWeight(t *testing.T) {
	check := func(tags string, banned []string, wantSome string) {
		args := []string{"list", "-deps"}
		if tags != "" {
			args = append(args, "-tags", tags)
		}
		out, err := exec.Command("go", append(args, ".")...).Output()
		if err != nil {
			t.Fatalf("go %v: %v", args, err)
		}
		found := false
		for _, pkg := range strings.Fields(string(out)) {
			for _, b := range banned {
				if strings.HasPrefix(pkg, b) {
					t.Errorf("fieldcrm (tags %q) links %s", tags, pkg)
				}
			}
			if wantSome != "" && strings.HasPrefix(pkg, wantSome) {
				found = true
			}
		}
		if wantSome != "" && !found {
			t.Errorf("with tags %q fieldcrm does not link %s: the check above proves nothing", tags, wantSome)
		}
	}
	check("", []string{"github.com/prometheus/", "github.com/VictoriaMetrics/", "github.com/russross/blackfriday",
		"github.com/cpuguy83/go-md2man", "github.com/spf13/cobra/doc", "github.com/goreleaser/"}, "")
	check("man", nil, "github.com/russross/blackfriday")
}
