package main

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/fieldcrm/fieldcrm/server"
)

func TestQuotaFlag(t *testing.T) {
	for in, want := range map[string]int64{
		"256MiB": 256 << 20, "256mib": 256 << 20, "2GiB": 2 << 30, "1.5GB": 1_500_000_000,
		"500 MB": 500_000_000, "4096": 4096, "12KiB": 12 << 10, "0": server.NoQuota, "0B": server.NoQuota,
	} {
		var n int64
		if err := (quotaFlag{&n}).Set(in); err != nil || n != want {
			t.Errorf("--quota %s: %d %v; want %d", in, n, err, want)
		}
	}
	for _, bad := range []string{"", "lots", "-1GiB", "12XB", "1e30GiB"} {
		var n int64
		if err := (quotaFlag{&n}).Set(bad); err == nil {
			t.Errorf("--quota %q accepted as %d", bad, n)
		}
	}
	n := int64(server.DefaultQuota)
	if s := (quotaFlag{&n}).String(); s != "256MiB" {
		t.Errorf("the default shows as %q", s)
	}
}

func TestTrustedProxyFlag(t *testing.T) {
	var list []netip.Prefix
	f := proxiesFlag{&list}
	if err := f.Set("10.0.0.0/8, 192.168.1.7"); err != nil {
		t.Fatal(err)
	}
	if err := f.Set("fd00::/8"); err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32"), netip.MustParsePrefix("fd00::/8")}
	if !slices.Equal(list, want) {
		t.Fatalf("%v; want %v", list, want)
	}
	if err := f.Set("proxy.internal"); err == nil {
		t.Fatal("a host name was accepted")
	}
}

func TestPipelineFlagReadsTheLaptopsStages(t *testing.T) {
	path := filepath.Join(t.TempDir(), "company.toml")
	conf := `[[stages]]
key = "prospect"
label_en = "Prospect"
[[stages]]
key = "pilot"
label_en = "Pilot"
probability = 60
[[stages]]
key = "won"
label_en = "Signed"
probability = 100
[[stages]]
key = "lost"
label_en = "Lost"
`
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := loadPipeline(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.CheckStage("pilot"); err != nil {
		t.Errorf("the file's stage is not in the pipeline: %v (%v)", err, p.Keys())
	}
	if _, err := loadPipeline(filepath.Join(t.TempDir(), "missing.toml")); err == nil {
		t.Error("a missing --pipeline file is accepted (the default pipeline would be used silently)")
	}
}
