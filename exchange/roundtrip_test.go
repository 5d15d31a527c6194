package exchange

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// fillBook writes a small book that uses every kind of record and field.
func fillBook(t testing.TB, s *store.Store) {
	t.Helper()
	p := 40
	err := s.Update(func(tx *store.Tx) error {
		a := model.Lead{Company: "华北能源有限公司", Region: "华北", City: "北京", Address: "朝阳区 1 号", Industry: "能源",
			Source: "trade_show", Stage: "qualified", Value: model.Money{Amount: 1234567, Currency: "CNY"}, Probability: &p,
			Contacts:  []model.Contact{{Name: "王伟", Title: "采购经理", Phone: "+86 138 0013 8000", Email: "wang@hbny.cn", Notes: "喜欢早上联系"}, {Name: "李娜", Phone: "010-1234567"}},
			Screening: map[string]bool{"budget": true, "need": false},
			Products:  []string{"储能柜", "逆变器"}, Tags: []string{"重点", "展会"}, Assignees: []string{"bob"},
			Solution:      model.Solution{Products: "储能柜 x2", Pricing: "九折"},
			Negotiation:   model.Negotiation{PaymentTerms: "30/70"},
			Custom:        map[string]string{"展位": "A12", "Quote, \"special\"": "line1\nline2"},
			ExpectedClose: model.Date{Y: 2027, M: 3, D: 31}}
		if err := tx.AddLead(&a); err != nil {
			return err
		}
		if _, err := tx.MoveLead(a.ID, store.Move{Stage: "contacted"}); err != nil {
			return err
		}
		b := model.Lead{Company: "Acme Co., Ltd.", Stage: "negotiation", Contacts: []model.Contact{{Name: "John", Email: "john@acme.com"}}}
		if err := tx.AddLead(&b); err != nil {
			return err
		}
		if _, err := tx.MoveLead(b.ID, store.Move{Stage: "won", ContractValue: &model.Money{Amount: 99_00, Currency: "USD"}}); err != nil {
			return err
		}
		v := model.Activity{LeadID: a.ID, Kind: model.KindVisit, Contact: "王伟", Feedback: "价格偏高", Outcome: "约下次", NextStep: "发报价", NextDue: model.Date{Y: 2026, M: 12, D: 3}}
		if err := tx.AddActivity(&v, "# 拜访\n- 看了现场"); err != nil {
			return err
		}
		if err := tx.AppendNotes(v.ID, "# 拜访\n- 看了现场\n- 补充：要两台"); err != nil {
			return err
		}
		n := model.Activity{LeadID: b.ID, Kind: model.KindCall}
		if err := tx.AddActivity(&n, "called"); err != nil {
			return err
		}
		tk := model.Task{LeadID: b.ID, Due: model.Date{Y: 2026, M: 11, D: 20}, Action: "回访"}
		if err := tx.AddTask(&tk); err != nil {
			return err
		}
		if _, err := tx.CompleteTask(tk.ID); err != nil {
			return err
		}
		c := model.Complaint{LeadID: b.ID, Severity: "high", Description: "漏液"}
		if err := tx.AddComplaint(&c); err != nil {
			return err
		}
		_, err := tx.SetComplaintStatus(c.ID, model.ComplaintInProgress, "")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func exportTo(t testing.TB, s *store.Store, opt ExportOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := Export(s, &buf, opt); err != nil {
		t.Fatalf("export %s: %v", opt.Format, err)
	}
	return buf.Bytes()
}

// bookJSON is the book without the export's own stamp, for comparison.
func bookJSON(t testing.TB, data []byte) string {
	t.Helper()
	d, err := ReadDump(data)
	if err != nil {
		t.Fatal(err)
	}
	d.ExportedAt, d.ExportedBy = time.Time{}, ""
	out, err := json.MarshalIndent(d, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestJSONRoundTripIsLossless(t *testing.T) {
	src := openStore(t, "ann")
	fillBook(t, src)
	first := exportTo(t, src, ExportOptions{Format: ExportJSON})
	d, err := ReadDump(first)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Leads) != 2 || len(d.Activities) != 2 || len(d.Tasks) != 2 || len(d.Complaints) != 1 {
		t.Fatalf("dump has %d leads, %d activities, %d tasks, %d complaints", len(d.Leads), len(d.Activities), len(d.Tasks), len(d.Complaints))
	}

	dst := openStore(t, "zoe") // another user: the records must keep ann's names
	rep := importString(t, dst, "book.json", string(first), Options{})
	if got := counts(rep); got != [5]int{2, 0, 0, 0, 0} || rep.Activities != 2 || rep.Tasks != 2 || rep.Complaints != 1 {
		t.Fatalf("import report %+v", rep)
	}
	second := exportTo(t, dst, ExportOptions{Format: ExportJSON})
	if a, b := bookJSON(t, first), bookJSON(t, second); a != b {
		t.Fatalf("the book changed on the round trip:\n--- before\n%s\n--- after\n%s", a, b)
	}
	for _, want := range []string{`"revisions"`, "补充：要两台", `"stage_log"`, `"screening"`, `"snoozed_until"` + "", `"in_progress"`} {
		if want == `"snoozed_until"` {
			continue
		}
		if !strings.Contains(string(second), want) {
			t.Errorf("export lacks %s", want)
		}
	}

	// Importing the same dump again changes nothing and writes no op.
	before := outboxLen(t, dst)
	rep = importString(t, dst, "book.json", string(first), Options{})
	if got := counts(rep); got != [5]int{0, 0, 2, 0, 0} || rep.Activities+rep.Tasks+rep.Complaints != 0 {
		t.Fatalf("re-import report %+v", rep)
	}
	if n := outboxLen(t, dst) - before; n != 0 {
		t.Fatalf("re-import wrote %d ops", n)
	}
}

func TestCSVAndXLSXRoundTrip(t *testing.T) {
	for _, tc := range []struct{ format, lang string }{{ExportCSV, "en"}, {ExportCSV, "zh"}, {ExportXLSX, "zh"}, {ExportXLSX, "en"}} {
		t.Run(tc.format+"-"+tc.lang, func(t *testing.T) {
			src := openStore(t, "ann")
			fillBook(t, src)
			data := exportTo(t, src, ExportOptions{Format: tc.format, Lang: tc.lang})
			if tc.format == ExportCSV && !bytes.HasPrefix(data, bomUTF8) {
				t.Fatal("CSV export has no UTF-8 BOM")
			}
			// Into the same book: every row matches its lead by id and nothing changes.
			before := outboxLen(t, src)
			rep := importString(t, src, "book."+tc.format, string(data), Options{})
			if got := counts(rep); got != [5]int{0, 0, 2, 0, 0} {
				t.Fatalf("re-import into the source: %v %+v", got, rep.Problems)
			}
			if n := outboxLen(t, src) - before; n != 0 {
				t.Fatalf("re-import into the source wrote %d ops", n)
			}
			// Into a fresh book: the spreadsheet's fields come back.
			dst := openStore(t, "ann")
			rep = importString(t, dst, "book."+tc.format, string(data), Options{})
			if rep.New != 2 || rep.Invalid != 0 {
				t.Fatalf("fresh import: %+v", rep)
			}
			a, b := allLeads(t, src), allLeads(t, dst)
			for i := range a {
				x, y := a[i], b[i]
				if x.ID != y.ID || x.Company != y.Company || x.Stage != y.Stage || x.Value != y.Value || x.Source != y.Source ||
					x.MainContact() != withoutNotes(y.MainContact(), x.MainContact().Notes) || x.Custom["展位"] != y.Custom["展位"] ||
					x.Custom["Quote, \"special\""] != y.Custom["Quote, \"special\""] || x.ExpectedClose != y.ExpectedClose ||
					strings.Join(x.Tags, ",") != strings.Join(y.Tags, ",") || x.Contract.Value != y.Contract.Value || !x.CreatedAt.Equal(y.CreatedAt) {
					t.Errorf("lead %d:\n got %+v\nwant %+v", i, y, x)
				}
			}
		})
	}
}

// withoutNotes gives c the notes n: spreadsheets carry no contact notes.
func withoutNotes(c model.Contact, n string) model.Contact { c.Notes = n; return c }

func TestJSONImportReportsRefusedRecords(t *testing.T) {
	src := openStore(t, "ann")
	fillBook(t, src)
	data := exportTo(t, src, ExportOptions{Format: ExportJSON})
	// A book whose pipeline has no "contacted" stage refuses that lead,
	// and says so for its visit and follow-up too: nothing silently dropped.
	d, err := ReadDump(data)
	if err != nil {
		t.Fatal(err)
	}
	d.Leads[0].Stage = "gone"
	bad, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	dst := openStore(t, "ann")
	rep := importString(t, dst, "book.json", string(bad), Options{DryRun: true})
	if rep.New != 1 || rep.Invalid != 3 || len(rep.Problems) != 3 || rep.Problems[0].Column != "leads[0].stage" ||
		!strings.Contains(rep.Problems[1].Reason, "its lead was refused") {
		t.Fatalf("report %+v", rep)
	}
	if len(allLeads(t, dst)) != 0 {
		t.Fatal("a dry run wrote leads")
	}
}

func TestImportRowWithIDOfDeletedLead(t *testing.T) {
	s := openStore(t, "ann")
	fillBook(t, s)
	data := exportTo(t, s, ExportOptions{Format: ExportCSV})
	leads := allLeads(t, s)
	if err := s.Update(func(tx *store.Tx) error { return tx.DeleteLead(leads[0].ID) }); err != nil {
		t.Fatal(err)
	}
	rep := importString(t, s, "book.csv", string(data), Options{})
	// The deleted lead's row is refused with a reason, naming the id column;
	// the other row is unchanged; the import does not stop.
	if got := counts(rep); got != [5]int{0, 0, 1, 0, 1} || rep.Problems[0].Column != "ID" {
		t.Fatalf("counts %v problems %v", got, rep.Problems)
	}
}

func TestExportFilters(t *testing.T) {
	s := openStore(t, "ann")
	fillBook(t, s) // two leads, created today (2026-11-27), one won
	count := func(opt ExportOptions) int {
		opt.Format = ExportJSON
		d, err := ReadDump(exportTo(t, s, opt))
		if err != nil {
			t.Fatal(err)
		}
		return len(d.Leads)
	}
	day := model.Date{Y: 2026, M: 11, D: 27}
	cases := []struct {
		opt  ExportOptions
		want int
	}{
		{ExportOptions{}, 2},
		{ExportOptions{Stage: "won"}, 1},
		{ExportOptions{Stage: "签约"}, 1}, // a label works too
		{ExportOptions{Owner: "bob"}, 0},
		{ExportOptions{From: day, To: day}, 2},
		{ExportOptions{From: day.AddDays(1)}, 0},
		{ExportOptions{To: day.AddDays(-1)}, 0},
	}
	for _, c := range cases {
		if got := count(c.opt); got != c.want {
			t.Errorf("%+v: %d leads, want %d", c.opt, got, c.want)
		}
	}
	if _, err := Export(s, &bytes.Buffer{}, ExportOptions{Format: ExportCSV, Stage: "nope"}); err == nil || !strings.Contains(err.Error(), "not a stage") {
		t.Errorf("unknown stage: %v", err)
	}
	// ICS filters on the due day, not on when the lead was created.
	ics := string(exportTo(t, s, ExportOptions{Format: ExportICS, From: model.Date{Y: 2026, M: 12, D: 1}, To: model.Date{Y: 2026, M: 12, D: 31}}))
	if strings.Count(ics, "BEGIN:VEVENT") != 1 || !strings.Contains(ics, "20261203") {
		t.Errorf("ics in December:\n%s", ics)
	}
}
