package main

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func init() {
	commandGroups = append(commandGroups, func(root *cobra.Command, a *app) {
		lead := &cobra.Command{Use: "lead", Short: "Add, list, show, edit, move, assign, delete and restore leads"}
		lead.AddCommand(a.leadAddCmd(), a.leadListCmd(), a.leadShowCmd(), a.leadEditCmd(), a.leadMoveCmd(), a.leadAssignCmd(), a.leadDeleteCmd(), a.leadRestoreCmd()) // assign.go
		root.AddCommand(lead)
	})
}

// leadFlags are the lead fields settable from the command line; add and
// edit share them, and edit applies only the flags given.
type leadFlags struct {
	company, contact, title, phone, email, city, region, address, industry string
	source, stage, value, currency, probability, owner, expectedClose      string
	tags, screening, lostReason, contractNumber, contractValue, signedOn   string
	custom                                                                 []string
}

func (f *leadFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.company, "company", "", "company name")
	fs.StringVar(&f.contact, "contact", "", "main contact's name")
	fs.StringVar(&f.title, "title", "", "main contact's job title")
	fs.StringVar(&f.phone, "phone", "", "main contact's phone")
	fs.StringVar(&f.email, "email", "", "main contact's e-mail")
	fs.StringVar(&f.city, "city", "", "city")
	fs.StringVar(&f.region, "region", "", "region")
	fs.StringVar(&f.address, "address", "", "address")
	fs.StringVar(&f.industry, "industry", "", "industry")
	fs.StringVar(&f.source, "source", "", "source channel: "+keysOf(model.Channels))
	fs.StringVar(&f.stage, "stage", "", "pipeline stage (default: the first)")
	fs.StringVar(&f.value, "value", "", "estimated value, e.g. 120000, 12万, 99.5 USD")
	fs.StringVar(&f.currency, "currency", "", "currency of --value (default CNY)")
	fs.StringVar(&f.probability, "probability", "", "win probability in percent (default: the stage's)")
	fs.StringVar(&f.owner, "owner", "", "owner (default: you)")
	fs.StringVar(&f.expectedClose, "expected-close", "", "expected close date")
	fs.StringVar(&f.tags, "tags", "", "comma-separated tags")
	fs.StringVar(&f.screening, "screening", "", "comma-separated screening criteria met: budget, decision_maker, need, timeline, fit")
	fs.StringVar(&f.lostReason, "lost-reason", "", "why the lead was lost: "+keysOf(model.LostReasons))
	fs.StringVar(&f.contractNumber, "contract-number", "", "contract number")
	fs.StringVar(&f.contractValue, "contract-value", "", "contract value")
	fs.StringVar(&f.signedOn, "signed-on", "", "contract signing date")
	fs.StringArrayVar(&f.custom, "custom", nil, "custom field as key=value (repeatable)")
}

func keysOf(list []model.Channel) string {
	keys := make([]string, len(list))
	for i, c := range list {
		keys[i] = c.Key
	}
	return strings.Join(keys, ", ")
}

// apply writes the flags that were given into l; a parse problem names the
// flag.
func (f *leadFlags) apply(a *app, fs *pflag.FlagSet, l *model.Lead) error {
	today := model.Today(a.now(), a.rules().Location)
	set := func(name string, dst *string, v string) {
		if fs.Changed(name) {
			*dst = strings.TrimSpace(v)
		}
	}
	set("company", &l.Company, f.company)
	set("city", &l.City, f.city)
	set("region", &l.Region, f.region)
	set("address", &l.Address, f.address)
	set("industry", &l.Industry, f.industry)
	set("source", &l.Source, f.source)
	set("stage", &l.Stage, f.stage)
	set("owner", &l.Owner, f.owner)
	set("lost-reason", &l.LostReason, f.lostReason)
	// Sources, stages and lost reasons are read by key, label in either
	// language or a known other name; a lost reason may also be the
	// user's own words.
	if fs.Changed("source") && l.Source != "" {
		k, err := model.ParseChannel(model.Channels, l.Source)
		if err != nil {
			return &model.FieldError{Field: "--source", Problem: err.Error()}
		}
		l.Source = k
	}
	if fs.Changed("stage") && l.Stage != "" {
		k, err := a.rules().Pipeline.ParseStage(l.Stage)
		if err != nil {
			return &model.FieldError{Field: "--stage", Problem: err.Error()}
		}
		l.Stage = k
	}
	if k, ok := model.ChannelMatcher(model.LostReasons).Key(l.LostReason); ok && fs.Changed("lost-reason") {
		l.LostReason = k
	}
	set("contract-number", &l.Contract.Number, f.contractNumber)
	if fs.Changed("contact") || fs.Changed("phone") || fs.Changed("email") || fs.Changed("title") {
		if len(l.Contacts) == 0 {
			l.Contacts = []model.Contact{{}}
		}
		c := &l.Contacts[0]
		set("contact", &c.Name, f.contact)
		set("title", &c.Title, f.title)
		set("phone", &c.Phone, f.phone)
		set("email", &c.Email, f.email)
	}
	if fs.Changed("value") {
		m, err := model.ParseMoney(f.value)
		if err != nil {
			return &model.FieldError{Field: "--value", Problem: err.Error()}
		}
		l.Value = m
	}
	if fs.Changed("currency") {
		cur := strings.ToUpper(strings.TrimSpace(f.currency))
		if len(cur) != 3 {
			return &model.FieldError{Field: "--currency", Problem: fmt.Sprintf("%q is not a three-letter currency code", f.currency)}
		}
		l.Value.Currency = cur
	}
	if fs.Changed("probability") {
		p, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(f.probability), "%"))
		if err != nil {
			return &model.FieldError{Field: "--probability", Problem: fmt.Sprintf("%q is not a whole percentage", f.probability)}
		}
		l.Probability = &p
	}
	dates := []struct {
		name, v string
		dst     *model.Date
	}{{"expected-close", f.expectedClose, &l.ExpectedClose}, {"signed-on", f.signedOn, &l.Contract.SignedOn}}
	for _, d := range dates {
		if fs.Changed(d.name) {
			v, err := model.ParseDate(d.v, today)
			if err != nil {
				return &model.FieldError{Field: "--" + d.name, Problem: err.Error()}
			}
			*d.dst = v
		}
	}
	if fs.Changed("contract-value") {
		m, err := model.ParseMoney(f.contractValue)
		if err != nil {
			return &model.FieldError{Field: "--contract-value", Problem: err.Error()}
		}
		l.Contract.Value = m
	}
	if fs.Changed("tags") {
		l.Tags = splitList(f.tags)
	}
	if fs.Changed("screening") {
		l.Screening = map[string]bool{}
		known := map[string]bool{}
		for _, c := range a.rules().Screening {
			known[c.Key] = true
		}
		for _, k := range splitList(f.screening) {
			if !known[k] {
				return &model.FieldError{Field: "--screening", Problem: fmt.Sprintf("%q is not a screening criterion", k)}
			}
			l.Screening[k] = true
		}
	}
	for _, kv := range f.custom {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return &model.FieldError{Field: "--custom", Problem: fmt.Sprintf("%q is not key=value", kv)}
		}
		if l.Custom == nil {
			l.Custom = map[string]string{}
		}
		if v == "" {
			delete(l.Custom, k)
		} else {
			l.Custom[strings.TrimSpace(k)] = v
		}
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (a *app) leadAddCmd() *cobra.Command {
	var f leadFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "add --company NAME [flags]",
		Short: "Add a lead",
		Example: `  fieldcrm lead add --company "华北能源有限公司" --contact 王伟 --phone 13800138000 --city 北京 --source trade_show --value 120万
  fieldcrm lead add --company "Acme Ltd." --stage qualified --value "25000 USD"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("company") {
				return &model.FieldError{Field: "--company", Problem: "is required"}
			}
			var l model.Lead
			if err := f.apply(a, cmd.Flags(), &l); err != nil {
				return err
			}
			var orders int // the hand-off of a lead entered won
			err := a.update(func(tx *store.Tx) error {
				if err := tx.CreateLead(&l); err != nil {
					return err
				}
				s, err := tx.ServicesOf(l.ID)
				orders = len(s)
				return err
			})
			if ae := (*model.ApprovalError)(nil); errors.As(err, &ae) {
				return errors.New(i18n.Tf(a.language(), "cli.approval.needed_new", ae.Company, a.reasons(ae.Reasons)))
			}
			if err != nil {
				return err
			}
			a.warnTwins(&l)
			if asJSON {
				return printJSON(a.out, l)
			}
			printf(a.out, "added %s %s (%s)\n", store.ShortID(l.ID), l.Company, a.stageLabel(l.Stage))
			if orders > 0 {
				printf(a.out, i18n.T(a.language(), "cli.lead.handed_off")+"\n", orders, store.ShortID(l.ID))
			}
			return nil
		},
	}
	f.register(cmd.Flags())
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the new lead as JSON")
	return cmd
}

func (a *app) leadListCmd() *cobra.Command {
	var filter store.LeadFilter
	var asJSON bool
	var limit int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List leads by stage",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if filter.Stage != "" {
				k, err := a.rules().Pipeline.ParseStage(filter.Stage)
				if err != nil {
					return &model.FieldError{Field: "--stage", Problem: err.Error()}
				}
				filter.Stage = k
			}
			if asJSON {
				var leads []model.Lead
				err := a.view(func(tx *store.Tx) (err error) { leads, err = tx.Leads(filter); return })
				if err != nil {
					return err
				}
				if limit > 0 && len(leads) > limit {
					leads = leads[:limit]
				}
				if leads == nil {
					leads = []model.Lead{}
				}
				return printJSON(a.out, leads)
			}
			var cards []store.Card
			err := a.view(func(tx *store.Tx) (err error) { cards, err = tx.Cards(); return })
			if err != nil {
				return err
			}
			rules := a.rules()
			store.SortCards(cards, rules.Pipeline)
			t := table{header: []string{"ID", "COMPANY", "STAGE", "VALUE", "NEXT", "CONTACT", "CITY"}, max: []int{0, noCap, 0, 0, 0, 16, 10},
				right: []bool{false, false, false, true}}
			n := 0
			for _, c := range cards {
				if !filter.Match(&c) {
					continue
				}
				if limit > 0 && n >= limit {
					break
				}
				n++
				t.add(store.ShortID(c.ID), c.Company, a.stageLabel(c.Stage), shortMoney(a.language(), c.Value, c.Currency), c.NextDue.String(), c.Contact, c.City)
			}
			if n == 0 {
				fmt.Fprintln(a.out, "no leads")
				return nil
			}
			t.write(a.out)
			return nil
		},
	}
	cmd.Flags().StringVar(&filter.Stage, "stage", "", "only leads in this stage")
	cmd.Flags().StringVar(&filter.Owner, "owner", "", "only leads of this owner")
	cmd.Flags().StringVar(&filter.Text, "search", "", "only leads whose company, contact, city or tags contain this text")
	cmd.Flags().IntVar(&limit, "limit", 0, "at most this many leads")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print full leads as JSON")
	return cmd
}

// leadDetail is what `lead show --json` prints.
type leadDetail struct {
	Lead        model.Lead           `json:"lead"`
	FollowUps   []model.Task         `json:"follow_ups"`
	Activities  []model.Activity     `json:"activities"`
	Approvals   []model.Approval     `json:"approvals"` // oldest first
	Services    []model.ServiceOrder `json:"services"`
	Complaints  []model.Complaint    `json:"complaints"` // oldest first
	Overwritten []model.Overwritten  `json:"overwritten,omitempty"`
}

func (a *app) leadShowCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show LEAD",
		Short: "Show a lead with its follow-ups, activities, approvals and service orders",
		Long: `Show a lead with its follow-ups, activities, approval requests and service
orders. LEAD is the lead's id, the end of it, or its company.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var d leadDetail
			err := a.view(func(tx *store.Tx) error {
				id, err := tx.ResolveLead(args[0])
				if err != nil {
					return err
				}
				if d.Lead, err = tx.Lead(id); err != nil {
					return err
				}
				if d.FollowUps, err = tx.TasksOf(id); err != nil {
					return err
				}
				if d.Activities, err = tx.ActivitiesOf(id, 0); err != nil {
					return err
				}
				if d.Approvals, err = tx.ApprovalsOf(id); err != nil {
					return err
				}
				if d.Services, err = tx.ServicesOf(id); err != nil {
					return err
				}
				if d.Complaints, err = tx.ComplaintsOf(id); err != nil {
					return err
				}
				d.Overwritten, err = tx.History(model.TypeLead, id)
				return err
			})
			if err != nil {
				return err
			}
			if d.FollowUps == nil {
				d.FollowUps = []model.Task{}
			}
			if d.Activities == nil {
				d.Activities = []model.Activity{}
			}
			if d.Approvals == nil {
				d.Approvals = []model.Approval{}
			}
			if d.Services == nil {
				d.Services = []model.ServiceOrder{}
			}
			if d.Complaints == nil {
				d.Complaints = []model.Complaint{}
			}
			if asJSON {
				return printJSON(a.out, d)
			}
			a.printLead(d)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

func (a *app) printLead(d leadDetail) {
	l, w := d.Lead, a.out
	rules := a.rules()
	printf(w, "%s  [%s]  %s\n", l.Company, a.stageLabel(l.Stage), l.ID)
	printf(w, "value %s  probability %d%%  owner %s  source %s  screening %d/%d\n",
		l.Value, l.EffectiveProbability(rules.Pipeline), l.Owner, orDash(l.Source),
		model.ScreeningScore(l.Screening, rules.Screening), len(rules.Screening))
	if l.City != "" || l.Region != "" || l.Industry != "" {
		printf(w, "city %s  region %s  industry %s\n", orDash(l.City), orDash(l.Region), orDash(l.Industry))
	}
	if len(l.Assignees) > 0 {
		printf(w, "assigned %s\n", strings.Join(l.Assignees, ", ")) // lead assign (assign.go)
	}
	if len(l.Tags) > 0 {
		printf(w, "tags %s\n", strings.Join(l.Tags, ", "))
	}
	for _, c := range l.Contacts {
		printf(w, "contact %s  %s  %s  %s\n", c.Name, c.Title, c.Phone, c.Email)
	}
	if !l.Solution.IsZero() {
		printf(w, "solution: products %s; supply %s; pricing %s; after-sales %s\n", l.Solution.Products, l.Solution.SupplyPlan, l.Solution.Pricing, l.Solution.AfterSales)
	}
	if !l.Negotiation.IsZero() {
		printf(w, "negotiation: price %s; delivery %s; payment %s; service %s\n", l.Negotiation.Price, l.Negotiation.DeliveryDate, l.Negotiation.PaymentTerms, l.Negotiation.ServiceTerms)
	}
	if !l.Contract.IsZero() {
		printf(w, "contract %s signed %s value %s\n", orDash(l.Contract.Number), l.Contract.SignedOn, l.Contract.Value)
	}
	if l.LostReason != "" {
		printf(w, "lost: %s\n", l.LostReason)
	}
	for _, k := range sortedKeys(l.Custom) {
		printf(w, "%s: %s\n", k, l.Custom[k])
	}
	fmt.Fprintln(w, "\nfollow-ups:")
	if len(d.FollowUps) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, tk := range d.FollowUps {
		state := "open"
		if tk.Done {
			state = "done"
		}
		printf(w, "  %s  %s  %-4s  %s\n", store.ShortID(tk.ID), tk.EffectiveDue(), state, firstLineOf(tk.Action))
	}
	fmt.Fprintln(w, "\nactivities:")
	if len(d.Activities) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, act := range d.Activities {
		printf(w, "  %s  %s  %s  %s\n", store.ShortID(act.ID), act.StartedAt.In(a.rules().Location).Format("2006-01-02 15:04"), act.Kind, act.FirstLine())
	}
	a.printLeadWork(d)
	var others []model.Overwritten
	for _, h := range d.Overwritten {
		if h.Actor != "" && h.Actor != l.Owner {
			others = append(others, h)
		}
	}
	if len(others) > 0 {
		fmt.Fprintln(w, "\noverwritten values:")
		for _, h := range others {
			printf(w, "  %s was %s (by %s, %s)\n", h.Field, h.Value, h.Actor, h.HLC.Time().Format("2006-01-02 15:04"))
		}
	}
}

// printLeadWork prints a lead's approval requests (each with its status
// and who gave it) and its service orders; a deal that needs approval and
// has no request says how to ask.
func (a *app) printLeadWork(d leadDetail) {
	w, lang, loc := a.out, a.language(), a.rules().Location
	if len(d.Approvals) > 0 || d.Lead.Stage != model.StageWon && len(a.rules().Approval.Needs(&d.Lead)) > 0 {
		printf(w, "\n%s\n", i18n.T(lang, "cli.lead.approvals"))
		if len(d.Approvals) == 0 {
			printf(w, "  "+i18n.T(lang, "cli.lead.approval_needed")+"\n", a.reasons(a.rules().Approval.Needs(&d.Lead)), store.ShortID(d.Lead.ID))
		}
	}
	for _, ap := range d.Approvals {
		by := ap.RequestedBy
		if dec, ok := ap.Decision(); ok {
			by = dec.By
		}
		printf(w, "  %s  %s  %s  %s  %s\n", store.ShortID(ap.ID), model.DateOf(ap.RequestedAt.In(loc)), a.verdict(ap.Status()), ap.Value, by)
	}
	if len(d.Services) == 0 && d.Lead.Stage != model.StageWon {
		return
	}
	printf(w, "\n%s\n", i18n.T(lang, "cli.lead.services"))
	if len(d.Services) == 0 {
		printf(w, "  %s\n", i18n.T(lang, "cli.none"))
	}
	for _, s := range d.Services {
		printf(w, "  %s  %s  %s  %s  %s\n", store.ShortID(s.ID), orDash(s.Due.String()), a.kindLabel(s.Kind), a.statusLabel(s.Status), a.assigneeLabel(s))
	}
	a.printLeadComplaints(d)
}

// printLeadComplaints prints a lead's complaints, each with the service
// order it is about.
func (a *app) printLeadComplaints(d leadDetail) {
	if len(d.Complaints) == 0 {
		return
	}
	w, lang, loc := a.out, a.language(), a.rules().Location
	printf(w, "\n%s\n", i18n.T(lang, "cli.lead.complaints"))
	for _, c := range d.Complaints {
		r := complaintRow{Complaint: c}
		if i := slices.IndexFunc(d.Services, func(s model.ServiceOrder) bool { return s.ID == c.ServiceID }); i >= 0 {
			r.ServiceKind = d.Services[i].Kind
		}
		printf(w, "  %s  %s  %s  %s  %s  %s\n", store.ShortID(c.ID), model.DateOf(c.OpenedAt.In(loc)), i18n.T(lang, "severity."+c.Severity),
			i18n.T(lang, "complaint."+c.Status), a.serviceLabel(r), firstLineOf(c.Description))
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (a *app) leadEditCmd() *cobra.Command {
	var f leadFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "edit LEAD [flags]",
		Short:   "Change a lead's fields (only the flags given)",
		Example: `  fieldcrm lead edit 3f9a1c2b --value 150万 --tags 重点,展会 --screening budget,need`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			changed := false
			cmd.Flags().Visit(func(fl *pflag.Flag) {
				changed = changed || (fl.Name != "json" && cmd.LocalNonPersistentFlags().Lookup(fl.Name) != nil)
			})
			if !changed {
				return fmt.Errorf("nothing to change: give at least one flag (see 'fieldcrm lead edit --help')")
			}
			var l model.Lead
			err := a.update(func(tx *store.Tx) error {
				id, err := tx.ResolveLead(args[0])
				if err != nil {
					return err
				}
				if l, err = tx.Lead(id); err != nil {
					return err
				}
				if err := f.apply(a, cmd.Flags(), &l); err != nil {
					return err
				}
				return tx.UpdateLead(&l)
			})
			if ae := (*model.ApprovalError)(nil); errors.As(err, &ae) {
				return a.approvalNeeded(ae, store.ShortID(l.ID)) // --stage won
			}
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a.out, l)
			}
			printf(a.out, "saved %s %s\n", store.ShortID(l.ID), l.Company)
			return nil
		},
	}
	f.register(cmd.Flags())
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the saved lead as JSON")
	return cmd
}

func (a *app) leadMoveCmd() *cobra.Command {
	var reason, contractValue, signedOn string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "move LEAD STAGE",
		Short: "Move a lead to another stage (lost needs --reason)",
		Example: `  fieldcrm lead move 3f9a1c2b negotiation
  fieldcrm lead move 3f9a1c2b lost --reason price
  fieldcrm lead move 3f9a1c2b won --contract-value 118万 --signed-on today`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			rules := a.rules()
			stage, err := rules.Pipeline.ParseStage(args[1])
			if err != nil {
				return &model.FieldError{Field: "stage", Problem: err.Error()}
			}
			if k, ok := model.ChannelMatcher(model.LostReasons).Key(reason); ok {
				reason = k
			}
			m := store.Move{Stage: stage, LostReason: reason}
			if m.Stage == model.StageLost && reason == "" {
				return &model.FieldError{Field: "--reason", Problem: "is required to move a lead to lost (" + keysOf(model.LostReasons) + ", or your own words)"}
			}
			if contractValue != "" {
				v, err := model.ParseMoney(contractValue)
				if err != nil {
					return &model.FieldError{Field: "--contract-value", Problem: err.Error()}
				}
				m.ContractValue = &v
			}
			if signedOn != "" {
				d, err := model.ParseDate(signedOn, model.Today(a.now(), rules.Location))
				if err != nil {
					return &model.FieldError{Field: "--signed-on", Problem: err.Error()}
				}
				m.SignedOn = d
			}
			var l model.Lead
			err = a.update(func(tx *store.Tx) error {
				id, err := tx.ResolveLead(args[0])
				if err != nil {
					return err
				}
				l, err = tx.MoveLead(id, m)
				return err
			})
			if ae := (*model.ApprovalError)(nil); errors.As(err, &ae) {
				return a.approvalNeeded(ae, store.ShortID(l.ID))
			}
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a.out, l)
			}
			printf(a.out, "moved %s %s to %s\n", store.ShortID(l.ID), l.Company, a.stageLabel(l.Stage))
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "lost reason (with lost)")
	cmd.Flags().StringVar(&contractValue, "contract-value", "", "contract value (with won; default the lead's value)")
	cmd.Flags().StringVar(&signedOn, "signed-on", "", "signing date (with won; default today)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the moved lead as JSON")
	return cmd
}
