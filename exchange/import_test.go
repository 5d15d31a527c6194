package exchange

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// tradeShow is what marketing brings back from a trade show: Chinese
// headers, a title row above them, stage and source in Chinese.
const tradeShow = "2026 上海国际能源展 客户名单,,,,,,,,\n" +
	"公司名称,联系人,手机,邮箱,来源,阶段,预计金额,下次跟进,展位备注\n" +
	"华北能源有限公司,王伟,+86 138 0013 8000,wang@hbny.cn,行业展会,潜在客户,12万,2026-12-03,A12 展位\n" +
	"南方电力股份有限公司,李娜,13900139000,,展会,已筛选,\"50,000\",,对储能感兴趣\n" +
	"\"Acme Co., Ltd.\",John Smith,,john@acme.com,Web,Qualified,USD 9999,12/05/2026,\n"

func TestImportChineseTradeShowGBKWithTitleRow(t *testing.T) {
	s := openStore(t, "ann")
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(tradeShow)
	if err != nil {
		t.Fatal(err)
	}
	rep := importString(t, s, "展会.csv", gbk, Options{})
	if rep.Encoding != "gb18030" || rep.Delimiter != "comma" || rep.HeaderRow != 2 {
		t.Fatalf("detected %q %q header row %d", rep.Encoding, rep.Delimiter, rep.HeaderRow)
	}
	if got := counts(rep); got != [5]int{3, 0, 0, 0, 0} {
		t.Fatalf("counts = %v, problems %v", got, rep.Problems)
	}
	if rep.Tasks != 2 {
		t.Errorf("follow-ups = %d, want 2", rep.Tasks)
	}
	leads := allLeads(t, s)
	byCompany := map[string]model.Lead{}
	for _, l := range leads {
		byCompany[l.Company] = l
	}
	hb := byCompany["华北能源有限公司"]
	if hb.Stage != "prospect" || hb.Source != "trade_show" || hb.Value.Amount != 120000_00 ||
		hb.MainContact().Name != "王伟" || hb.MainContact().Phone != "+86 138 0013 8000" || hb.Custom["展位备注"] != "A12 展位" {
		t.Errorf("华北能源 = %+v", hb)
	}
	nf := byCompany["南方电力股份有限公司"]
	if nf.Stage != "qualified" || nf.Value.Amount != 50000_00 || nf.Custom["展位备注"] != "对储能感兴趣" {
		t.Errorf("南方电力 = %+v", nf)
	}
	acme := byCompany["Acme Co., Ltd."]
	if acme.Source != "web" || acme.Value != (model.Money{Amount: 9999_00, Currency: "USD"}) || acme.MainContact().Email != "john@acme.com" {
		t.Errorf("Acme = %+v", acme)
	}

	// Re-importing the same file writes nothing.
	before := outboxLen(t, s)
	rep = importString(t, s, "展会.csv", gbk, Options{})
	if got := counts(rep); got != [5]int{0, 0, 3, 0, 0} || rep.Tasks != 0 {
		t.Fatalf("re-import counts = %v tasks %d, problems %v", got, rep.Tasks, rep.Problems)
	}
	if after := outboxLen(t, s); after != before {
		t.Fatalf("re-import wrote %d ops", after-before)
	}

	// An updated file updates the leads it matches, by company (ignoring
	// the legal suffix), phone or e-mail, instead of creating twins.
	updated := "公司名称,手机,邮箱,阶段\n" +
		"华北能源,,,接触沟通\n" +
		"Another Name,139-0013-9000,,方案设计\n" +
		"ACME,,JOHN@acme.com,Negotiation\n" +
		"新客户,,,\n"
	rep = importString(t, s, "update.csv", updated, Options{})
	if got := counts(rep); got != [5]int{1, 3, 0, 0, 0} {
		t.Fatalf("update counts = %v, problems %v", got, rep.Problems)
	}
	var by []string
	for _, m := range rep.Matches {
		by = append(by, fmt.Sprintf("%d %s %s", m.Row, m.Company, m.By))
	}
	if strings.Join(by, "|") != "2 华北能源有限公司 company name|3 南方电力股份有限公司 phone|4 Acme Co., Ltd. company name" {
		t.Errorf("matches = %q", by)
	}
	leads = allLeads(t, s)
	if len(leads) != 4 {
		t.Fatalf("%d leads after update, want 4", len(leads))
	}
	for _, l := range leads {
		want, ok := map[string]string{"华北能源有限公司": "contacted", "南方电力股份有限公司": "solution", "Acme Co., Ltd.": "negotiation", "新客户": "prospect"}[l.Company]
		if !ok {
			t.Errorf("a matched row renamed a lead to %q", l.Company)
		}
		if l.Stage != want {
			t.Errorf("%s stage = %s, want %s", l.Company, l.Stage, want)
		}
	}
}

func TestImportUTF8WithBOMSemicolonAndDryRun(t *testing.T) {
	s := openStore(t, "ann")
	data := "\xEF\xBB\xBFCompany;Email;Stage\nAlpha GmbH;a@alpha.de;Lead\nBeta;not-an-email;Closed Won\n;x@y.z;\nGamma;gamma@;Lead\n"
	rep := importString(t, s, "x.csv", data, Options{DryRun: true})
	if rep.Encoding != "utf-8 (BOM)" || rep.Delimiter != "semicolon" {
		t.Fatalf("detected %q %q", rep.Encoding, rep.Delimiter)
	}
	if got := counts(rep); got != [5]int{1, 0, 0, 0, 3} {
		t.Fatalf("dry-run counts = %v, problems %v", got, rep.Problems)
	}
	if len(allLeads(t, s)) != 0 || outboxLen(t, s) != 0 {
		t.Fatal("a dry run wrote to the book")
	}
	want := []Problem{
		{Row: 3, Column: "Email", Reason: `"not-an-email" is not an e-mail address`},
		{Row: 4, Column: "Company"},
		{Row: 5, Column: "Email"},
	}
	if len(rep.Problems) != len(want) {
		t.Fatalf("problems = %v", rep.Problems)
	}
	for i, w := range want {
		p := rep.Problems[i]
		if p.Row != w.Row || p.Column != w.Column || (w.Reason != "" && p.Reason != w.Reason) {
			t.Errorf("problem %d = %v, want %v", i, p, w)
		}
	}

	// The real run imports the valid row and writes the others to a
	// rejects file that names row and problem.
	dir := t.TempDir()
	path := filepath.Join(dir, "x.csv")
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	rep, err := ImportFile(s, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := counts(rep); got != [5]int{1, 0, 0, 0, 3} || rep.RejectsPath != filepath.Join(dir, "x.rejects.csv") {
		t.Fatalf("counts = %v, rejects %q", got, rep.RejectsPath)
	}
	rej, err := os.ReadFile(rep.RejectsPath)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(rej, bomUTF8))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 || recs[0][3] != "fieldcrm row" || recs[1][3] != "3" || !strings.Contains(recs[3][4], "Email") {
		t.Fatalf("rejects = %q", recs)
	}
	if len(allLeads(t, s)) != 1 {
		t.Fatal("the valid row was not imported")
	}
	// The rejects file imports as is: its own columns are skipped, the
	// fixed row comes in, the unfixed ones are refused again.
	fixed := strings.Replace(string(rej), "gamma@,", "gamma@x.cn,", 1)
	rep = importString(t, s, "x.rejects.csv", fixed, Options{})
	if got := counts(rep); got != [5]int{1, 0, 0, 0, 2} {
		t.Fatalf("rejects re-import: %v %v", got, rep.Problems)
	}
	for _, c := range rep.Columns[3:] {
		if c.Field != FieldSkip {
			t.Errorf("rejects column %q mapped to %s", c.Header, c.Field)
		}
	}
}

func TestImportCRMExports(t *testing.T) {
	cases := []struct {
		name, data string
		company    string
		check      func(t *testing.T, l model.Lead)
	}{
		{"pipedrive.csv", "Organization - Name,Person - Name,Person - Phone,Person - Email,Deal - Value,Deal - Currency,Deal - Stage,Deal - Expected close date,Deal - Title\n" +
			"Globex,Hank Scorpio,+1 555 0100,hank@globex.com,25000,EUR,Negotiation,2027-01-15,Globex expansion\n", "Globex",
			func(t *testing.T, l model.Lead) {
				if l.Value != (model.Money{Amount: 25000_00, Currency: "EUR"}) || l.Stage != "negotiation" || l.ExpectedClose.String() != "2027-01-15" || l.Custom["Deal - Title"] != "Globex expansion" {
					t.Errorf("lead = %+v", l)
				}
			}},
		{"hubspot.csv", "Record ID,First Name,Last Name,Company name,Phone Number,Email,Lifecycle Stage,Original Source,Contact owner\n" +
			"501,Marge,Simpson,Springfield Nuclear,555-0199,marge@snpp.com,salesqualifiedlead,Organic Search,bob\n", "Springfield Nuclear",
			func(t *testing.T, l model.Lead) {
				if l.MainContact().Name != "Marge Simpson" || l.Stage != "qualified" || l.Source != "web" || l.Owner != "bob" || l.Custom["Record ID"] != "501" {
					t.Errorf("lead = %+v", l)
				}
			}},
		{"salesforce.tsv", "Account Name\tFirst Name\tLast Name\tTitle\tMobile\tPhone\tLead Source\tStage\tAmount\tClose Date\tBilling City\n" +
			"Initech\tBill\tLumbergh\tVP\t+86 13700137000\t010-12345678\tTrade Show\tClosed Lost\t1000\t3/31/2027\tBeijing\n", "Initech",
			func(t *testing.T, l model.Lead) {
				c := l.MainContact()
				if c.Phone != "+86 13700137000" || c.Title != "VP" || l.Custom["Phone"] != "010-12345678" || l.City != "Beijing" || l.ExpectedClose.String() != "2027-03-31" {
					t.Errorf("lead = %+v", l)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := openStore(t, "ann")
			rep := importString(t, s, c.name, c.data, Options{})
			leads := allLeads(t, s)
			if c.name == "salesforce.tsv" {
				// Closed Lost without a reason column: imported as lost
				// for "other", with a warning naming the row.
				if rep.Warned != 1 || rep.Warnings[0].Row != 2 || rep.Warnings[0].Column != "Stage" || leads[0].LostReason != "other" {
					t.Fatalf("report = %+v, lead %+v", rep, leads)
				}
			}
			if rep.New != 1 || len(leads) != 1 || leads[0].Company != c.company {
				t.Fatalf("report %+v, leads %+v", rep, leads)
			}
			c.check(t, leads[0])
		})
	}
}

func TestImportUnknownStageIsKeptWithAWarning(t *testing.T) {
	s := openStore(t, "ann")
	rep := importString(t, s, "x.csv", "Company,Stage\nA,Id. Decision Makers\nB,初访\n", Options{})
	if got := counts(rep); got != [5]int{2, 0, 0, 0, 0} || rep.Warned != 2 || len(rep.Warnings) != 2 {
		t.Fatalf("counts %v report %+v", got, rep)
	}
	for _, l := range allLeads(t, s) {
		if l.Stage != "prospect" || l.Custom["Stage"] == "" {
			t.Errorf("lead %+v", l)
		}
	}
}

func TestImportMapOverridesAndSkip(t *testing.T) {
	s := openStore(t, "ann")
	data := "Kunde,Telefon,Intern\nMüller AG,+49 30 123456,secret\n"
	if _, err := Import(s, []byte(data), "x.csv", Options{RejectsPath: "-"}); err == nil || !strings.Contains(err.Error(), "--map") {
		t.Fatalf("no company column: err = %v", err)
	}
	rep := importString(t, s, "x.csv", data, Options{Map: map[string]string{"kunde": "company", "Telefon": "phone", "Intern": "-"}})
	if rep.New != 1 {
		t.Fatalf("report %+v", rep)
	}
	l := allLeads(t, s)[0]
	if l.Company != "Müller AG" || l.MainContact().Phone != "+49 30 123456" || len(l.Custom) != 0 {
		t.Fatalf("lead = %+v", l)
	}
	if _, err := Import(s, []byte(data), "x.csv", Options{Map: map[string]string{"Kunde": "firma"}}); err == nil || !strings.Contains(err.Error(), "not a field") {
		t.Fatalf("bad field: err = %v", err)
	}
	// An explicit mapping takes the field from a column that has its name.
	cols, err := MapColumns([]string{"Company", "Firma", "Phone"}, map[string]string{"Firma": "company"})
	if err != nil || cols[0].Field != "custom:Company" || cols[1].Field != FieldCompany || cols[2].Field != FieldPhone {
		t.Fatalf("columns %+v, %v", cols, err)
	}
	if _, err := MapColumns([]string{"A", "B"}, map[string]string{"A": "email", "B": "email"}); err == nil {
		t.Fatal("two columns mapped to one field")
	}
}
