package forms

import (
	"slices"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// leadData is what the lead form edits, as typed.
type leadData struct {
	Company, Contact, Phone, Email string
	City, Industry, Source         string
	Value, Probability, Close      string
	Tags                           string
	Screening                      []string
	// Solution and negotiation, edited on the form's second page.
	Solution    model.Solution
	Negotiation model.Negotiation
}

// termsFields is the second page of the edit form: the solution designed
// for the customer and the terms under negotiation.
func (d *leadData) termsFields(c *common.Common) []huh.Field {
	text := func(key string, v *string) huh.Field {
		return input(c.T(key), v, model.MaxTextLen, nil)
	}
	return []huh.Field{
		text("field.products", &d.Solution.Products),
		text("field.supply_plan", &d.Solution.SupplyPlan),
		text("field.pricing", &d.Solution.Pricing),
		text("field.after_sales", &d.Solution.AfterSales),
		text("field.price", &d.Negotiation.Price),
		text("field.delivery", &d.Negotiation.DeliveryDate),
		text("field.payment", &d.Negotiation.PaymentTerms),
		text("field.service", &d.Negotiation.ServiceTerms),
	}
}

func (d *leadData) fields(c *common.Common, edit bool) []huh.Field {
	sources := []huh.Option[string]{huh.NewOption(c.T("form.none"), "")}
	for _, ch := range model.Channels {
		sources = append(sources, huh.NewOption(ch.Label(c.Lang()), ch.Key))
	}
	fs := []huh.Field{
		input(c.T("field.company"), &d.Company, model.MaxNameLen, checkCompany(c)),
		input(c.T("field.contact"), &d.Contact, model.MaxNameLen, checkName(c)),
		input(c.T("field.phone"), &d.Phone, 40, checkPhone(c)),
		input(c.T("field.email"), &d.Email, model.MaxNameLen, checkEmail(c)),
		input(c.T("field.city"), &d.City, model.MaxNameLen, checkName(c)),
		input(c.T("field.industry"), &d.Industry, model.MaxNameLen, checkName(c)),
		huh.NewSelect[string]().Title(c.T("field.source")).Options(sources...).Value(&d.Source),
		input(c.T("field.value"), &d.Value, 40, checkMoney(c, true)).Placeholder(c.T("form.ph_money")),
	}
	if edit {
		var checks []huh.Option[string]
		for _, sc := range c.Rules.Screening {
			lbl := sc.LabelEN
			if c.Lang() == i18n.ZH {
				lbl = sc.LabelZH
			}
			checks = append(checks, huh.NewOption(lbl, sc.Key))
		}
		fs = append(fs,
			input(c.T("field.probability"), &d.Probability, 4, checkProbability(c)).Placeholder(c.T("form.stage_default")),
			input(c.T("field.expected_close"), &d.Close, 20, checkDate(c, true)).Placeholder(c.T("form.ph_close")),
			huh.NewMultiSelect[string]().Title(c.T("field.screening")).Options(checks...).Value(&d.Screening),
		)
	}
	fs = append(fs, input(c.T("field.tags"), &d.Tags, 400, nil))
	return fs
}

// draftFields are the lead form's fields as its draft keeps them.
func (d *leadData) draftFields(edit bool) []field {
	fs := []field{
		str("company", &d.Company), str("contact", &d.Contact), str("phone", &d.Phone), str("email", &d.Email),
		str("city", &d.City), str("industry", &d.Industry), str("source", &d.Source), str("value", &d.Value),
		str("tags", &d.Tags),
	}
	if !edit {
		return fs
	}
	return append(fs,
		str("probability", &d.Probability), str("close", &d.Close), list("screening", &d.Screening),
		str("products", &d.Solution.Products), str("supply_plan", &d.Solution.SupplyPlan),
		str("pricing", &d.Solution.Pricing), str("after_sales", &d.Solution.AfterSales),
		str("price", &d.Negotiation.Price), str("delivery", &d.Negotiation.DeliveryDate),
		str("payment", &d.Negotiation.PaymentTerms), str("service", &d.Negotiation.ServiceTerms))
}

// apply writes the typed values into l.
func (d *leadData) apply(l *model.Lead, today model.Date, edit bool) error {
	l.Company = strings.TrimSpace(d.Company)
	name, phone, email := strings.TrimSpace(d.Contact), strings.TrimSpace(d.Phone), strings.TrimSpace(d.Email)
	switch {
	case len(l.Contacts) > 0:
		l.Contacts[0].Name, l.Contacts[0].Phone, l.Contacts[0].Email = name, phone, email
		if name == "" && phone == "" && email == "" {
			l.Contacts = l.Contacts[1:]
		}
	case name != "" || phone != "" || email != "":
		l.Contacts = []model.Contact{{Name: name, Phone: phone, Email: email}}
	}
	l.City, l.Industry, l.Source = strings.TrimSpace(d.City), strings.TrimSpace(d.Industry), d.Source
	l.Value = model.Money{Currency: l.Value.Currency}
	if strings.TrimSpace(d.Value) != "" {
		v, err := model.ParseMoney(d.Value)
		if err != nil {
			return &model.FieldError{Field: "value", Problem: err.Error()}
		}
		if v.Currency == "" {
			v.Currency = l.Value.Currency
		}
		l.Value = v
	}
	l.Tags = splitTags(d.Tags)
	if !edit {
		return nil
	}
	p, err := parseProbability(d.Probability)
	if err != nil {
		return &model.FieldError{Field: "probability", Problem: "is not a percentage between 0 and 100"}
	}
	l.Probability = p
	l.ExpectedClose = model.Date{}
	if strings.TrimSpace(d.Close) != "" {
		if l.ExpectedClose, err = model.ParseDate(d.Close, today); err != nil {
			return &model.FieldError{Field: "expected_close", Problem: err.Error()}
		}
	}
	l.Solution, l.Negotiation = trimSolution(d.Solution), trimNegotiation(d.Negotiation)
	l.Screening = map[string]bool{}
	for _, k := range d.Screening {
		l.Screening[k] = true
	}
	if len(l.Screening) == 0 {
		l.Screening = nil
	}
	return nil
}

// NewLead is the form for a new lead in the pipeline's first stage.
func NewLead(c *common.Common) *Model {
	d := &leadData{}
	build := func() *huh.Form { return huh.NewForm(huh.NewGroup(d.fields(c, false)...)) }
	sp := spec{form: "new_lead", fields: d.draftFields(false)}
	return newModel(c, sp, c.T("form.new_lead"), build, func(bk Book, draft string) (tea.Msg, error) {
		var l model.Lead
		if err := d.apply(&l, c.Today(), false); err != nil {
			return nil, err
		}
		err := bk.AddLead(&l, draft)
		return common.ChangedMsg{LeadID: l.ID}, err
	})
}

// EditLead returns a command that loads the lead and opens its form.
func EditLead(c *common.Common, id string) tea.Cmd {
	return common.Emit(BookMsg{Do: func(bk Book) tea.Msg {
		l, err := bk.Lead(id)
		if err != nil {
			return common.ErrMsg{Err: err}
		}
		return OpenMsg{Form: editLead(c, l)}
	}})
}

// shownLead is the form's data for lead l: stored text goes into the
// fields escaped (model.Printable), as everywhere on the terminal.
func shownLead(l model.Lead) *leadData {
	p := model.Printable
	mc := l.MainContact()
	d := &leadData{
		Company: p(l.Company), Contact: p(mc.Name), Phone: p(mc.Phone), Email: p(mc.Email),
		City: p(l.City), Industry: p(l.Industry), Source: l.Source,
		Close: l.ExpectedClose.String(), Tags: p(strings.Join(l.Tags, ", ")),
		Solution: model.Solution{Products: p(l.Solution.Products), SupplyPlan: p(l.Solution.SupplyPlan),
			Pricing: p(l.Solution.Pricing), AfterSales: p(l.Solution.AfterSales)},
		Negotiation: model.Negotiation{Price: p(l.Negotiation.Price), DeliveryDate: p(l.Negotiation.DeliveryDate),
			PaymentTerms: p(l.Negotiation.PaymentTerms), ServiceTerms: p(l.Negotiation.ServiceTerms)},
	}
	return d
}

// keepUnedited puts back into cur the stored text of every field the user
// left as shown, so that saving the form does not store the escapes it
// showed in place of what was there.
func keepUnedited(cur *model.Lead, was model.Lead, shown, typed *leadData) {
	keep := func(dst *string, stored, shown, typed string) {
		if typed == shown {
			*dst = stored
		}
	}
	keep(&cur.Company, was.Company, shown.Company, typed.Company)
	keep(&cur.City, was.City, shown.City, typed.City)
	keep(&cur.Industry, was.Industry, shown.Industry, typed.Industry)
	if len(cur.Contacts) > 0 && len(was.Contacts) > 0 {
		mc, wc := &cur.Contacts[0], was.Contacts[0]
		keep(&mc.Name, wc.Name, shown.Contact, typed.Contact)
		keep(&mc.Phone, wc.Phone, shown.Phone, typed.Phone)
		keep(&mc.Email, wc.Email, shown.Email, typed.Email)
	}
	if typed.Tags == shown.Tags {
		cur.Tags = was.Tags
	}
	s, ws, ss, ts := &cur.Solution, was.Solution, shown.Solution, typed.Solution
	keep(&s.Products, ws.Products, ss.Products, ts.Products)
	keep(&s.SupplyPlan, ws.SupplyPlan, ss.SupplyPlan, ts.SupplyPlan)
	keep(&s.Pricing, ws.Pricing, ss.Pricing, ts.Pricing)
	keep(&s.AfterSales, ws.AfterSales, ss.AfterSales, ts.AfterSales)
	n, wn, sn, tn := &cur.Negotiation, was.Negotiation, shown.Negotiation, typed.Negotiation
	keep(&n.Price, wn.Price, sn.Price, tn.Price)
	keep(&n.DeliveryDate, wn.DeliveryDate, sn.DeliveryDate, tn.DeliveryDate)
	keep(&n.PaymentTerms, wn.PaymentTerms, sn.PaymentTerms, tn.PaymentTerms)
	keep(&n.ServiceTerms, wn.ServiceTerms, sn.ServiceTerms, tn.ServiceTerms)
}

func editLead(c *common.Common, l model.Lead) *Model {
	d := shownLead(l)
	shown := *d
	if !l.Value.IsZero() {
		d.Value = strings.ReplaceAll(model.FormatAmount(l.Value.Amount), ",", "")
	}
	if l.Probability != nil {
		d.Probability = strconv.Itoa(*l.Probability)
	}
	for _, sc := range c.Rules.Screening {
		if l.Screening[sc.Key] {
			d.Screening = append(d.Screening, sc.Key)
		}
	}
	build := func() *huh.Form {
		return huh.NewForm(
			huh.NewGroup(d.fields(c, true)...),
			huh.NewGroup(d.termsFields(c)...).Title(c.T("form.terms_page")),
		)
	}
	sp := spec{form: "edit_lead", leadID: l.ID, company: l.Company, fields: d.draftFields(true)}
	return newModel(c, sp, c.Tf("form.edit_lead", l.Company), build, func(bk Book, draft string) (tea.Msg, error) {
		err := bk.EditLead(l.ID, func(cur *model.Lead) error {
			stored := *cur
			stored.Contacts, stored.Tags = slices.Clone(cur.Contacts), slices.Clone(cur.Tags)
			if err := d.apply(cur, c.Today(), true); err != nil {
				return err
			}
			keepUnedited(cur, stored, &shown, d)
			return nil
		}, draft)
		return common.ChangedMsg{LeadID: l.ID}, err
	})
}

func trimSolution(s model.Solution) model.Solution {
	for _, p := range []*string{&s.Products, &s.SupplyPlan, &s.Pricing, &s.AfterSales} {
		*p = strings.TrimSpace(*p)
	}
	return s
}

func trimNegotiation(n model.Negotiation) model.Negotiation {
	for _, p := range []*string{&n.Price, &n.DeliveryDate, &n.PaymentTerms, &n.ServiceTerms} {
		*p = strings.TrimSpace(*p)
	}
	return n
}
