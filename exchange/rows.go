package exchange

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/google/uuid"
)

// rowData is one parsed row: the lead fields it gives, its contact, its
// follow-up and notes, and what is wrong with it.
type rowData struct {
	Row
	lead       model.Lead
	given      map[string]bool // lead fields the row fills
	contact    model.Contact
	followDue  model.Date
	followWhat string
	notes      string
	matchID    string // from an id column
	problems   []Problem
	warnings   []Problem // the row imports, but not exactly as written
}

func (r *rowData) warn(col, format string, args ...any) {
	r.warnings = append(r.warnings, Problem{Row: r.Num, Column: col, Reason: fmt.Sprintf(format, args...)})
}

func (r *rowData) problem(col, format string, args ...any) {
	r.problems = append(r.problems, Problem{Row: r.Num, Column: col, Reason: fmt.Sprintf(format, args...)})
}

// maxCell bounds a cell that is not notes: anything longer is refused with
// the row, not truncated.
const maxCell = model.MaxTextLen

// parseRow maps one row's cells through cols. It never fails: what is
// wrong is collected in problems, each naming its column.
func parseRow(row Row, cols []Column, p model.Pipeline, today model.Date) *rowData {
	return parseRowWith(row, cols, p, newStageIndex(p), today)
}

func parseRowWith(row Row, cols []Column, p model.Pipeline, stages stageIndex, today model.Date) *rowData {
	r := &rowData{Row: row, given: map[string]bool{}}
	if extra := len(row.Cells) - len(cols); extra > 0 {
		for i := len(cols); i < len(row.Cells); i++ {
			if strings.TrimSpace(row.Cells[i]) != "" {
				r.problem(fmt.Sprintf("column %d", i+1), "the row has %d cells but the header only %d; this cell is under no column", len(row.Cells), len(cols))
				break
			}
		}
	}
	var first, last, mobile, phone, phoneHeader string
	l := &r.lead
	for _, c := range cols {
		if c.Index >= len(row.Cells) || c.Field == FieldSkip {
			continue
		}
		v := strings.TrimSpace(model.NormalizeNewlines(row.Cells[c.Index]))
		switch {
		case c.Field == FieldNotes, c.Field == FieldAddress, c.Field == FieldLostReason,
			c.Field == FieldFollowUpAction, strings.HasPrefix(c.Field, customPrefix):
		default:
			v = model.JoinLines(v) // a one-line field: a quoted line break becomes a space
		}
		if v == "" {
			continue
		}
		v = unguard(v)
		if c.Field != FieldNotes && len(v) > maxCell {
			r.problem(c.Header, "is %d bytes long; at most %d", len(v), maxCell)
			continue
		}
		h := c.Header
		switch c.Field {
		case FieldID:
			r.matchID = v
		case FieldCompany:
			l.Company, r.given["company"] = v, true
		case FieldContact:
			r.contact.Name = v
		case FieldFirstName:
			first = v
		case FieldLastName:
			last = v
		case FieldTitle:
			r.contact.Title = v
		case FieldMobile:
			mobile = v
		case FieldPhone:
			phone, phoneHeader = v, h
		case FieldEmail:
			r.contact.Email = v
		case FieldRegion:
			l.Region, r.given["region"] = v, true
		case FieldCity:
			l.City, r.given["city"] = v, true
		case FieldAddress:
			l.Address, r.given["address"] = v, true
		case FieldIndustry:
			l.Industry, r.given["industry"] = v, true
		case FieldSource:
			if k, ok := ChannelKey(v); ok {
				l.Source = k
			} else {
				l.Source = "other"
				setCustom(l, h, v) // keep what the file said
			}
			r.given["source"] = true
		case FieldStage:
			k, ok := stages.Key(v)
			if !ok {
				// Another tool's own stage names must not cost the row:
				// the lead starts in the first stage and keeps the name.
				setCustom(l, h, v)
				r.warn(h, "%q is not a stage (known: %s); kept as a custom field, the lead starts in %s", v, strings.Join(p.Keys(), ", "), p.Stages[0].Key)
				continue
			}
			l.Stage, r.given["stage"] = k, true
		case FieldValue:
			m, err := model.ParseMoney(v)
			if err != nil {
				r.problem(h, "%v", err)
				continue
			}
			cur := l.Value.Currency
			l.Value = m
			if cur != "" {
				l.Value.Currency = cur
			}
			r.given["value"] = true
		case FieldCurrency:
			if len(v) != 3 {
				r.problem(h, "%q is not a currency code such as CNY or USD", v)
				continue
			}
			l.Value.Currency = strings.ToUpper(v)
			r.given["value"] = true
		case FieldProbability:
			n, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), "%"), 64)
			if err != nil || n < 0 || n > 100 {
				r.problem(h, "%q is not a percentage between 0 and 100", v)
				continue
			}
			pr := int(n + 0.5)
			l.Probability, r.given["probability"] = &pr, true
		case FieldExpectedClose:
			d, err := parseDay(v, today)
			if err != nil {
				r.problem(h, "%v", err)
				continue
			}
			l.ExpectedClose, r.given["expected_close"] = d, true
		case FieldProducts:
			l.Products, r.given["products"] = splitList(v), true
		case FieldTags:
			l.Tags, r.given["tags"] = splitList(v), true
		case FieldOwner:
			l.Owner, r.given["owner"] = v, true
		case FieldAssignees:
			l.Assignees, r.given["assignees"] = splitList(v), true
		case FieldFollowUp:
			d, err := parseDay(v, today)
			if err != nil {
				r.problem(h, "%v", err)
				continue
			}
			r.followDue = d
			if r.followWhat == "" {
				r.followWhat = "Follow up"
				if isCJK(h) {
					r.followWhat = "跟进"
				}
			}
		case FieldFollowUpAction:
			r.followWhat = v
		case FieldNotes:
			if err := model.ValidateNotes(v); err != nil {
				r.problem(h, "%v", err)
				continue
			}
			r.notes = v
		case FieldLostReason:
			l.LostReason, r.given["lost_reason"] = LostReasonKey(v), true
		case FieldContractNumber:
			l.Contract.Number, r.given["contract"] = v, true
		case FieldContractSigned:
			d, err := parseDay(v, today)
			if err != nil {
				r.problem(h, "%v", err)
				continue
			}
			l.Contract.SignedOn, r.given["contract"] = d, true
		case FieldContractValue:
			m, err := model.ParseMoney(v)
			if err != nil {
				r.problem(h, "%v", err)
				continue
			}
			l.Contract.Value, r.given["contract"] = m, true
		case FieldCreatedAt:
			t, err := parseTime(v, today)
			if err != nil {
				r.problem(h, "%v", err)
				continue
			}
			l.CreatedAt = t
		default: // custom:<name>
			setCustom(l, strings.TrimPrefix(c.Field, customPrefix), v)
		}
	}
	if r.contact.Name == "" && (first != "" || last != "") {
		if isCJK(last + first) {
			r.contact.Name = last + first
		} else {
			r.contact.Name = strings.TrimSpace(first + " " + last)
		}
	}
	switch {
	case mobile != "":
		r.contact.Phone = mobile
		if phone != "" && NormPhone(phone) != NormPhone(mobile) {
			setCustom(l, phoneHeader, phone) // a second number: kept, not dropped
		}
	case phone != "":
		r.contact.Phone = phone
	}
	if r.contact != (model.Contact{}) {
		l.Contacts = []model.Contact{r.contact}
	}
	if l.Company == "" && len(r.problems) == 0 {
		col := "company"
		for _, c := range cols {
			if c.Field == FieldCompany {
				col = c.Header
			}
		}
		r.problem(col, "is empty; every lead needs a company (map another column with --map 'Column=company')")
	}
	if !r.followDue.IsZero() {
		tk := model.Task{LeadID: "-", Due: r.followDue, Action: r.followWhat}
		for _, fe := range model.FieldErrors(tk.Validate()) {
			r.problem(headerOf(cols, FieldFollowUpAction), "%s", fe.Problem)
		}
	}
	if l.Stage == model.StageLost && l.LostReason == "" {
		l.LostReason, r.given["lost_reason"] = "other", true
		r.warn(headerOf(cols, FieldStage), "the lead is lost but no lost reason is given; set to other")
	}
	if r.followDue.IsZero() && r.followWhat != "" {
		// An action without a day is not a follow-up; keep it as text.
		setCustom(l, headerOf(cols, FieldFollowUpAction), r.followWhat)
		r.followWhat = ""
	}
	return r
}

func headerOf(cols []Column, field string) string {
	if i := indexOf(cols, field); i >= 0 {
		return cols[i].Header
	}
	return field
}

func indexOf(cols []Column, field string) int {
	return slices.IndexFunc(cols, func(c Column) bool { return c.Field == field })
}

func setCustom(l *model.Lead, k, v string) {
	if l.Custom == nil {
		l.Custom = map[string]string{}
	}
	l.Custom[k] = strings.TrimSpace(v)
}

// splitList splits "a, b；c、d|e" into its trimmed, distinct parts.
func splitList(v string) []string {
	parts := strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(",;，；、|\n", r) })
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// dayLayouts are the day formats of other tools and of Excel's display,
// tried after model.ParseDate.
var dayLayouts = []string{
	"2006-01-02 15:04:05", "2006-01-02 15:04", "2006/1/2 15:04:05", "2006/1/2 15:04", time.RFC3339,
	"1/2/2006", "1/2/2006 15:04", "1/2/06", "01-02-06", "2-Jan-2006", "2-Jan-06", "Jan 2, 2006", "January 2, 2006",
	"2006年1月2日", "2006.1.2",
}

// parseDay reads a calendar day as people and other tools write it.
func parseDay(v string, today model.Date) (model.Date, error) {
	if d, err := model.ParseDate(v, today); err == nil {
		return d, nil
	}
	for _, layout := range dayLayouts {
		if t, err := time.Parse(layout, strings.TrimSpace(v)); err == nil {
			return model.DateOf(t), nil
		}
	}
	return model.Date{}, fmt.Errorf("%q is not a date (write it like 2026-11-27)", v)
}

// parseTime reads a time stamp (RFC 3339) or a day (midnight UTC).
func parseTime(v string, today model.Date) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(v)); err == nil {
		return t, nil
	}
	d, err := parseDay(v, today)
	if err != nil {
		return time.Time{}, err
	}
	return d.In(time.UTC), nil
}

// isOurID reports whether an id column holds one of our ids (a UUID), which
// a new lead may keep; other tools' ids go to custom fields.
func isOurID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}

// mergeRow applies the fields a row gives onto an existing lead; empty
// cells never clear anything.
// The company name changes only when the row names the lead by id: a row
// matched by name, phone or e-mail keeps the name the book has.
func mergeRow(l *model.Lead, r *rowData) {
	n := &r.lead
	if r.given["company"] && r.matchID == l.ID {
		l.Company = n.Company
	}
	if r.given["region"] {
		l.Region = n.Region
	}
	if r.given["city"] {
		l.City = n.City
	}
	if r.given["address"] {
		l.Address = n.Address
	}
	if r.given["industry"] {
		l.Industry = n.Industry
	}
	if r.given["source"] {
		l.Source = n.Source
	}
	if r.given["stage"] {
		l.Stage = n.Stage
	}
	if r.given["value"] {
		if n.Value.Amount != 0 || l.Value.Amount == 0 {
			l.Value.Amount = n.Value.Amount
		}
		if n.Value.Currency != "" {
			l.Value.Currency = n.Value.Currency
		}
	}
	if r.given["probability"] {
		l.Probability = n.Probability
	}
	if r.given["expected_close"] {
		l.ExpectedClose = n.ExpectedClose
	}
	if r.given["products"] {
		l.Products = unionList(l.Products, n.Products)
	}
	if r.given["tags"] {
		l.Tags = unionList(l.Tags, n.Tags)
	}
	if r.given["owner"] {
		l.Owner = n.Owner
	}
	if r.given["assignees"] {
		l.Assignees = unionList(l.Assignees, n.Assignees)
	}
	if r.given["lost_reason"] {
		l.LostReason = n.LostReason
	}
	if r.given["contract"] {
		if n.Contract.Number != "" {
			l.Contract.Number = n.Contract.Number
		}
		if !n.Contract.SignedOn.IsZero() {
			l.Contract.SignedOn = n.Contract.SignedOn
		}
		if !n.Contract.Value.IsZero() {
			l.Contract.Value = n.Contract.Value
		}
	}
	for k, v := range n.Custom {
		if l.Custom == nil {
			l.Custom = map[string]string{}
		}
		l.Custom[k] = v
	}
	if r.contact != (model.Contact{}) {
		l.Contacts = mergeContact(l.Contacts, r.contact)
	}
}

func unionList(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// mergeContact updates the contact c matches (by e-mail, phone or name) or
// appends it.
func mergeContact(list []model.Contact, c model.Contact) []model.Contact {
	out := slices.Clone(list)
	for i := range out {
		o := &out[i]
		same := c.Email != "" && NormEmail(o.Email) == NormEmail(c.Email) ||
			NormPhone(c.Phone) != "" && NormPhone(o.Phone) == NormPhone(c.Phone) ||
			c.Name != "" && strings.EqualFold(o.Name, c.Name)
		if !same {
			continue
		}
		if c.Name != "" {
			o.Name = c.Name
		}
		if c.Title != "" {
			o.Title = c.Title
		}
		if c.Phone != "" && NormPhone(c.Phone) != NormPhone(o.Phone) {
			o.Phone = c.Phone
		}
		if c.Email != "" && NormEmail(c.Email) != NormEmail(o.Email) {
			o.Email = c.Email
		}
		return out
	}
	return append(out, c)
}

// unguard takes off the apostrophe that the CSV export (CSVSafe), or a
// person in Excel, puts before text a spreadsheet would read as a formula
// or a number ('=A1, '+86 138...).
func unguard(v string) string {
	if quotedLead(v) {
		return v[1:]
	}
	return v
}
