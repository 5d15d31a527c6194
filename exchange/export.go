package exchange

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// Export formats.
const (
	ExportCSV  = "csv"
	ExportJSON = "json"
	ExportXLSX = "xlsx"
	ExportICS  = "ics"
)

// ExportOptions select what an export holds.
type ExportOptions struct {
	Format string // csv, json, xlsx or ics
	Stage  string // only leads in this stage
	Owner  string // only leads of this owner
	// From and To bound the leads by the day they were created (ICS: the
	// day an event is due), both inclusive; zero means no bound.
	From, To model.Date
	// Lang "zh" writes Chinese headers and labels in CSV and Excel; any
	// other value English. Import reads both.
	Lang string
}

// ExportReport counts what an export wrote.
type ExportReport struct {
	Leads      int `json:"leads"`
	Activities int `json:"activities"`
	Tasks      int `json:"tasks"`
	Complaints int `json:"complaints"`
	Approvals  int `json:"approvals"`
	Services   int `json:"services"`
	Events     int `json:"events"`
}

// Export writes the selected part of the book to w in opt.Format.
func Export(st *store.Store, w io.Writer, opt ExportOptions) (ExportReport, error) {
	var rep ExportReport
	var b *book
	opt.Format = strings.ToLower(opt.Format)
	err := st.View(func(tx *store.Tx) error {
		var err error
		b, err = loadBook(tx, opt)
		return err
	})
	if err != nil {
		return rep, err
	}
	rep.Leads, rep.Activities, rep.Tasks, rep.Complaints = len(b.dump.Leads), len(b.dump.Activities), len(b.dump.Tasks), len(b.dump.Complaints)
	rep.Approvals, rep.Services = len(b.dump.Approvals), len(b.dump.Services)
	bw := bufio.NewWriterSize(w, 64<<10)
	switch opt.Format {
	case ExportCSV, "":
		err = writeCSV(bw, b, opt.Lang)
	case ExportJSON:
		enc := json.NewEncoder(bw)
		enc.SetIndent("", " ")
		err = enc.Encode(b.dump)
	case ExportXLSX:
		err = writeXLSX(bw, b, opt.Lang)
	case ExportICS:
		rep.Events, err = writeICS(bw, b)
	default:
		return rep, fmt.Errorf("format %q is not one of csv, json, xlsx, ics", opt.Format)
	}
	if err != nil {
		return rep, err
	}
	return rep, bw.Flush()
}

// ExportFile writes the export to path through a temporary file in the
// same folder, renamed into place at the end, so a failed export never
// leaves half a file under the name. The file is readable only by its
// owner: it holds customer data.
func ExportFile(st *store.Store, path string, opt ExportOptions) (ExportReport, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return ExportReport{}, fmt.Errorf("export to %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	rep, err := Export(st, tmp, opt)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return rep, fmt.Errorf("export to %s: %w", path, err)
	}
	return rep, nil
}

// book is what an export writes: the dump plus what tables need.
type book struct {
	dump   Dump
	cards  map[string]store.Card
	leads  map[string]*model.Lead
	rules  model.Rules
	now    time.Time
	user   string
	custom []string // custom field names across the leads, sorted
	from   model.Date
	to     model.Date
}

func (b *book) day(t time.Time) model.Date { return model.Today(t, b.rules.Location) }

func loadBook(tx *store.Tx, opt ExportOptions) (*book, error) {
	rules := tx.Rules()
	b := &book{rules: rules, now: tx.Now(), user: tx.User(), cards: map[string]store.Card{}, leads: map[string]*model.Lead{}, from: opt.From, to: opt.To}
	b.dump = Dump{Format: DumpFormat, Version: DumpVersion, ExportedAt: tx.Now().UTC(), ExportedBy: tx.User(), Pipeline: rules.Pipeline,
		Leads: []model.Lead{}, Activities: []model.Activity{}, Tasks: []model.Task{}, Complaints: []model.Complaint{},
		Approvals: []model.Approval{}, Services: []model.ServiceOrder{}}
	if opt.Stage != "" && rules.Pipeline.Index(opt.Stage) < 0 {
		if k, ok := StageKey(rules.Pipeline, opt.Stage); ok {
			opt.Stage = k
		} else {
			return nil, fmt.Errorf("--stage %q is not a stage (known: %s)", opt.Stage, strings.Join(rules.Pipeline.Keys(), ", "))
		}
	}
	leads, err := tx.Leads(store.LeadFilter{Stage: opt.Stage, Owner: opt.Owner})
	if err != nil {
		return nil, err
	}
	custom := map[string]bool{}
	for _, l := range leads {
		if opt.Format != ExportICS && !inRange(model.Today(l.CreatedAt, rules.Location), opt.From, opt.To) {
			continue
		}
		b.dump.Leads = append(b.dump.Leads, l)
		for k := range l.Custom {
			custom[k] = true
		}
	}
	b.custom = slices.Sorted(maps.Keys(custom))
	for i := range b.dump.Leads {
		l := &b.dump.Leads[i]
		b.leads[l.ID] = l
		c, err := tx.Card(l.ID)
		if err != nil {
			return nil, err
		}
		b.cards[l.ID] = c
		acts, err := tx.ActivitiesOf(l.ID, 0)
		if err != nil {
			return nil, err
		}
		slices.Reverse(acts) // oldest first reads naturally in a file
		b.dump.Activities = append(b.dump.Activities, acts...)
		tasks, err := tx.TasksOf(l.ID)
		if err != nil {
			return nil, err
		}
		b.dump.Tasks = append(b.dump.Tasks, tasks...)
		if opt.Format != ExportJSON {
			continue // the tables carry no approvals and no service orders
		}
		reqs, err := tx.ApprovalsOf(l.ID)
		if err != nil {
			return nil, err
		}
		b.dump.Approvals = append(b.dump.Approvals, reqs...)
		services, err := tx.ServicesOf(l.ID)
		if err != nil {
			return nil, err
		}
		b.dump.Services = append(b.dump.Services, services...)
	}
	complaints, err := tx.Complaints()
	if err != nil {
		return nil, err
	}
	for _, c := range complaints {
		if b.leads[c.LeadID] != nil {
			b.dump.Complaints = append(b.dump.Complaints, c)
		}
	}
	return b, nil
}

func inRange(d, from, to model.Date) bool {
	return (from.IsZero() || !d.Before(from)) && (to.IsZero() || !to.Before(d))
}

// leadColumns are the columns of the lead table, with English and Chinese
// headers that the importer maps back to the same fields.
var leadColumns = []struct{ field, en, zh string }{
	{FieldID, "ID", "编号"},
	{FieldCompany, "Company", "公司名称"},
	{FieldContact, "Contact", "联系人"},
	{FieldTitle, "Title", "职位"},
	{FieldPhone, "Phone", "电话"},
	{FieldEmail, "Email", "邮箱"},
	{FieldRegion, "Region", "地区"},
	{FieldCity, "City", "城市"},
	{FieldAddress, "Address", "地址"},
	{FieldIndustry, "Industry", "行业"},
	{FieldSource, "Source", "来源"},
	{FieldStage, "Stage", "阶段"},
	{FieldValue, "Value", "预计金额"},
	{FieldCurrency, "Currency", "币种"},
	{FieldProbability, "Probability", "赢单率"},
	{FieldExpectedClose, "Expected close", "预计成交日期"},
	{FieldProducts, "Products", "意向产品"},
	{FieldTags, "Tags", "标签"},
	{FieldOwner, "Owner", "负责人"},
	{FieldAssignees, "Assignees", "协作人"},
	{FieldFollowUp, "Next follow-up", "下次跟进"},
	{FieldFollowUpAction, "Next follow-up action", "跟进事项"},
	{FieldLostReason, "Lost reason", "流失原因"},
	{FieldContractNumber, "Contract number", "合同编号"},
	{FieldContractSigned, "Contract signed on", "签约日期"},
	{FieldContractValue, "Contract value", "合同金额"},
	{FieldCreatedAt, "Created at", "创建时间"},
}

func (b *book) leadHeader(lang string) []string {
	h := make([]string, 0, len(leadColumns)+len(b.custom))
	for _, c := range leadColumns {
		if lang == "zh" {
			h = append(h, c.zh)
		} else {
			h = append(h, c.en)
		}
	}
	return append(h, b.custom...)
}

// cell is one value of the lead table: text, or a number for Excel.
type cell struct {
	text string
	num  *float64
}

func (b *book) leadRow(l *model.Lead, lang string) []cell {
	c := l.MainContact()
	card := b.cards[l.ID]
	stage := l.Stage
	if s, ok := b.rules.Pipeline.Stage(l.Stage); ok {
		stage = s.Label(lang)
	}
	source := model.LabelIn(model.Channels, l.Source, lang)
	money := func(m model.Money) cell {
		if m.IsZero() {
			return cell{}
		}
		f := float64(m.Amount) / 100
		return cell{text: plainAmount(m.Amount), num: &f}
	}
	// The contract's currency has no column of its own: "99.00 USD" keeps it.
	contractValue := func(m model.Money) cell {
		if m.Currency == "" {
			return money(m)
		}
		return cell{text: plainAmount(m.Amount) + " " + m.Currency}
	}
	prob := cell{}
	if l.Probability != nil {
		f := float64(*l.Probability)
		prob = cell{text: strconv.Itoa(*l.Probability), num: &f}
	}
	currency := l.Value.Currency
	t := func(s string) cell { return cell{text: s} }
	row := []cell{
		t(l.ID), t(l.Company), t(c.Name), t(c.Title), t(c.Phone), t(c.Email), t(l.Region), t(l.City), t(l.Address),
		t(l.Industry), t(source), t(stage), money(l.Value), t(currency), prob, t(l.ExpectedClose.String()),
		t(strings.Join(l.Products, ", ")), t(strings.Join(l.Tags, ", ")), t(l.Owner), t(strings.Join(l.Assignees, ", ")),
		t(card.NextDue.String()), t(card.NextAction), t(l.LostReason), t(l.Contract.Number), t(l.Contract.SignedOn.String()),
		contractValue(l.Contract.Value), t(l.CreatedAt.UTC().Format(time.RFC3339)),
	}
	for _, k := range b.custom {
		row = append(row, t(l.Custom[k]))
	}
	return row
}

// writeCSV writes the lead table as CSV in UTF-8 with a BOM, so Excel
// opens Chinese text correctly.
func writeCSV(w io.Writer, b *book, lang string) error {
	if _, err := w.Write(bomUTF8); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(b.leadHeader(lang)); err != nil {
		return err
	}
	rec := []string{}
	for i := range b.dump.Leads {
		rec = rec[:0]
		for _, c := range b.leadRow(&b.dump.Leads[i], lang) {
			rec = append(rec, CSVSafe(c.text))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// formulaLeads are the first characters that make a spreadsheet read a
// cell as a formula (OWASP's CSV injection list).
const formulaLeads = "=+-@\t\r"

// formulaLike reports text a spreadsheet would run as a formula: it starts
// with one of formulaLeads. A plain decimal number (-5, +12.50) is read as
// that number whatever the column, and a phone number (+86 138 0013 8000)
// holds no name a formula could call, so neither counts: a negative amount
// stays a number.
func formulaLike(s string) bool {
	if s == "" || !strings.ContainsRune(formulaLeads, rune(s[0])) {
		return false
	}
	if plainNumber(s) || NormPhone(s) != "" && looksPhone(s) {
		return false
	}
	return true
}

// plainNumber reports an optional sign, digits and an optional fraction.
func plainNumber(s string) bool {
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	whole, frac, dot := strings.Cut(s, ".")
	digits := func(d string) bool {
		for i := 0; i < len(d); i++ {
			if d[i] < '0' || d[i] > '9' {
				return false
			}
		}
		return d != ""
	}
	return digits(whole) && (!dot || digits(frac))
}

// CSVSafe defuses text a spreadsheet would run as a formula by prefixing
// an apostrophe, which Excel hides. Text that already starts with
// apostrophes before one of formulaLeads gets one more, so that the
// import, which takes one off (unguard), gives back exactly what was
// exported.
func CSVSafe(s string) string {
	if formulaLike(s) || quotedLead(s) {
		return "'" + s
	}
	return s
}

// quotedLead reports text that starts with apostrophes and then one of
// formulaLeads: the form of a guarded cell.
func quotedLead(s string) bool {
	t := strings.TrimLeft(s, "'")
	return len(t) < len(s) && t != "" && strings.ContainsRune(formulaLeads, rune(t[0]))
}

func looksPhone(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune("0123456789+-() .", r) {
			return false
		}
	}
	return true
}

// plainAmount formats minor units as 12345.67, exactly, without separators.
func plainAmount(minor int64) string {
	sign := ""
	u := uint64(minor)
	if minor < 0 {
		sign, u = "-", uint64(-minor)
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}
