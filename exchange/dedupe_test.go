package exchange

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
)

func TestNormCompany(t *testing.T) {
	same := [][]string{
		{"Acme Co., Ltd.", "ACME", "acme co ltd", "Acme Company Limited", "Ａｃｍｅ　Ｃｏ．，Ｌｔｄ．", "Acme, Inc.", "ACME LLC", "Acme GmbH"},
		{"华北能源有限公司", "华北能源", "华北能源股份有限公司", "华北能源有限责任公司", "华北能源集团", "华北能源集团有限公司", " 华北能源（有限公司）"},
		{"Globex Corporation", "globex corp.", "GLOBEX"},
	}
	for _, group := range same {
		want := NormCompany(group[0])
		if want == "" {
			t.Fatalf("NormCompany(%q) is empty", group[0])
		}
		for _, s := range group[1:] {
			if got := NormCompany(s); got != want {
				t.Errorf("NormCompany(%q) = %q, want %q (as %q)", s, got, want, group[0])
			}
		}
	}
	differ := [][2]string{
		{"华北能源有限公司", "华北能源有限公司北京分公司"},
		{"Acme", "Acme Energy"},
		{"Ltd.", "Co."},
	}
	for _, p := range differ {
		if a, b := NormCompany(p[0]), NormCompany(p[1]); a == b && a != "" {
			t.Errorf("%q and %q both normalise to %q", p[0], p[1], a)
		}
	}
	if got := NormCompany("Ltd."); got != "ltd" {
		t.Errorf("a name that is only a suffix keeps it: %q", got)
	}
}

func TestNormPhoneAndEmail(t *testing.T) {
	same := [][]string{
		{"13800138000", "+86 138 0013 8000", "0086-138-0013-8000", "86 13800138000", "(+86) 138-0013-8000", "１３８００１３８０００"},
		{"010-12345678", "+86 10 1234 5678", "0086 10 12345678", "01012345678"},
	}
	for _, g := range same {
		want := NormPhone(g[0])
		for _, s := range g[1:] {
			if got := NormPhone(s); got != want {
				t.Errorf("NormPhone(%q) = %q, want %q", s, got, want)
			}
		}
	}
	if NormPhone("123") != "" || NormPhone("") != "" {
		t.Error("short numbers must not match anything")
	}
	if NormPhone("+1 555 0100 ext 12") != "15550100" {
		t.Errorf("extension: %q", NormPhone("+1 555 0100 ext 12"))
	}
	if NormEmail(" John@Acme.COM ") != "john@acme.com" || NormEmail("nope") != "" {
		t.Error("NormEmail")
	}
}

func TestFindDuplicates(t *testing.T) {
	at := func(d int) time.Time { return t0.AddDate(0, 0, d) }
	leads := []model.Lead{
		{ID: "a", Company: "华北能源有限公司", CreatedAt: at(0), Contacts: []model.Contact{{Phone: "+86 138 0013 8000"}}},
		{ID: "b", Company: "华北能源", CreatedAt: at(1), Contacts: []model.Contact{{Phone: "13800138000"}}},
		{ID: "c", Company: "Acme Co., Ltd.", CreatedAt: at(2), Contacts: []model.Contact{{Email: "john@acme.com"}}},
		{ID: "d", Company: "Totally Different", CreatedAt: at(3), Contacts: []model.Contact{{Email: "JOHN@acme.com"}}},
		{ID: "e", Company: "Unique", CreatedAt: at(4)},
	}
	pairs := FindDuplicates(leads)
	if len(pairs) != 2 {
		t.Fatalf("pairs = %+v", pairs)
	}
	if p := pairs[0]; p.A != "a" || p.B != "b" || len(p.Reasons) != 2 || !strings.Contains(strings.Join(p.Reasons, ";"), "same phone 13800138000") {
		t.Errorf("pair 0 = %+v", p)
	}
	if p := pairs[1]; p.A != "c" || p.B != "d" || len(p.Reasons) != 1 || p.Reasons[0] != "same e-mail john@acme.com" {
		t.Errorf("pair 1 = %+v", p)
	}
	if d := DuplicatesOf("d", leads); len(d) != 1 || d[0].A != "c" {
		t.Errorf("DuplicatesOf(d) = %+v", d)
	}
	if d := DuplicatesOf("e", leads); len(d) != 0 {
		t.Errorf("DuplicatesOf(e) = %+v", d)
	}
	// A number shared by many leads (a switchboard) gives a bounded list.
	var many []model.Lead
	for i := range 200 {
		many = append(many, model.Lead{ID: fmt.Sprint(i), Company: fmt.Sprintf("Firm %d", i), Contacts: []model.Contact{{Phone: "400-800-8888"}}})
	}
	if n := len(FindDuplicates(many)); n > maxGroup {
		t.Errorf("%d pairs for one shared number, want at most %d", n, maxGroup)
	}
}
