package main

import (
	"fmt"
	"strings"

	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/spf13/cobra"
)

func init() {
	commandGroups = append(commandGroups, func(root *cobra.Command, a *app) {
		c := &cobra.Command{Use: "complaint", Short: "Customers' complaints on won accounts"}
		c.AddCommand(a.complaintAddCmd(), a.complaintListCmd(),
			a.complaintMoveCmd("progress", model.ComplaintInProgress, "Mark a complaint in progress"),
			a.complaintMoveCmd("resolve", model.ComplaintResolved, "Mark a complaint resolved, with how"))
		root.AddCommand(c)
	})
}

// complaintRow is one complaint as `complaint list --json` prints it: the
// complaint with its lead's company and the kind of the service order it
// is about.
type complaintRow struct {
	model.Complaint
	Company     string `json:"company"`
	ServiceKind string `json:"service_kind,omitempty"`
}

func complaintRowOf(tx *store.Tx, c model.Complaint) complaintRow {
	r := complaintRow{Complaint: c, Company: store.ShortID(c.LeadID)}
	if card, err := tx.Card(c.LeadID); err == nil {
		r.Company = card.Company
	}
	if s, err := tx.Service(c.ServiceID); c.ServiceID != "" && err == nil {
		r.ServiceKind = s.Kind
	}
	return r
}

// severity reads a severity as typed: its key in any case, or its name in
// the user's language.
func (a *app) severity(s string) (string, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	for _, sev := range model.Severities {
		if k == sev || k == i18n.T(a.language(), "severity."+sev) {
			return sev, nil
		}
	}
	return "", &model.FieldError{Field: "--severity", Problem: fmt.Sprintf("%q is not a severity (%s)", s, strings.Join(model.Severities, ", "))}
}

// serviceLabel names the order a complaint is about: its short id and
// kind, or a dash.
func (a *app) serviceLabel(r complaintRow) string {
	if r.ServiceID == "" {
		return "-"
	}
	if r.ServiceKind == "" {
		return store.ShortID(r.ServiceID)
	}
	return store.ShortID(r.ServiceID) + " " + a.kindLabel(r.ServiceKind)
}

func (a *app) complaintAddCmd() *cobra.Command {
	var severity, description, service string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "add LEAD --description TEXT",
		Short: "Open a customer's complaint on a won account",
		Long: `Open a customer's complaint on a won account, optionally about one of its
service orders (--service, the order's id or the end of it, as service list
shows it). LEAD is the lead's id, the end of it, or its company.`,
		Example: `  fieldcrm complaint add Acme --description "漏液" --severity high
  fieldcrm complaint add Acme --description "安装后漏液" --service 5d2c11aa`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sev, err := a.severity(severity)
			if err != nil {
				return err
			}
			c := model.Complaint{Severity: sev, Description: strings.TrimSpace(description)}
			if c.Description == "" {
				return &model.FieldError{Field: "--description", Problem: "is required: what the customer complains about"}
			}
			write := func(tx *store.Tx) (complaintRow, error) {
				var err error
				if c.LeadID, err = tx.ResolveLead(args[0]); err != nil {
					return complaintRow{}, err
				}
				if service != "" {
					if c.ServiceID, err = tx.ResolveComplaintService(c.LeadID, service); err != nil {
						return complaintRow{}, err
					}
				}
				if err := tx.AddComplaint(&c); err != nil {
					return complaintRow{}, err
				}
				return complaintRowOf(tx, c), nil
			}
			return writeRow(a, asJSON, write, func(row complaintRow) {
				lang := a.language()
				printf(a.out, i18n.T(lang, "cli.complaint.added"), store.ShortID(row.ID), row.Company,
					i18n.T(lang, "severity."+row.Severity), i18n.T(lang, "complaint."+row.Status))
				if row.ServiceID != "" {
					printf(a.out, "; "+i18n.T(lang, "cli.complaint.about"), store.ShortID(row.ServiceID), a.kindLabel(row.ServiceKind))
				}
				fmt.Fprintln(a.out)
			})
		},
	}
	cmd.Flags().StringVar(&severity, "severity", "medium", strings.Join(model.Severities, ", "))
	cmd.Flags().StringVar(&description, "description", "", "what the customer complains about")
	cmd.Flags().StringVar(&service, "service", "", "the service order it is about (its id)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the complaint as JSON")
	return cmd
}

func (a *app) complaintListCmd() *cobra.Command {
	var open, asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List complaints, oldest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			read := func(tx *store.Tx) ([]complaintRow, error) {
				var rows []complaintRow
				list, err := tx.ComplaintList(open)
				for _, c := range list {
					rows = append(rows, complaintRowOf(tx, c))
				}
				return rows, err
			}
			return listRows(a, asJSON, "cli.complaint.none", read, a.complaintTable)
		},
	}
	cmd.Flags().BoolVar(&open, "open", false, "only those not yet resolved")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

// complaintTable lays complaints out as a table.
func (a *app) complaintTable(lang string, rows []complaintRow) *table {
	t := &table{header: strings.Split(i18n.T(lang, "cli.complaint.head"), "|"), max: []int{0, 0, 0, 0, 30, 0, noCap}}
	loc := a.rules().Location
	for _, r := range rows {
		t.add(store.ShortID(r.ID), model.DateOf(r.OpenedAt.In(loc)).String(), i18n.T(lang, "severity."+r.Severity),
			i18n.T(lang, "complaint."+r.Status), r.Company, a.serviceLabel(r), firstLineOf(r.Description))
	}
	return t
}

// complaintMoveCmd moves a complaint forward to status (never back, as
// the UI does): `complaint progress` and `complaint resolve`.
func (a *app) complaintMoveCmd(use, status, short string) *cobra.Command {
	var resolution string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   use + " COMPLAINT",
		Short: short,
		Long: short + `. COMPLAINT is its id or the end of it, as complaint list
shows it; a complaint only moves forward (open, in progress, resolved).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			write := func(tx *store.Tx) (complaintRow, error) {
				id, err := tx.ResolveComplaint(args[0])
				if err != nil {
					return complaintRow{}, err
				}
				c, err := tx.SetComplaintStatus(id, status, strings.TrimSpace(resolution))
				if err != nil {
					return complaintRow{}, err
				}
				return complaintRowOf(tx, c), nil
			}
			return writeRow(a, asJSON, write, func(row complaintRow) {
				lang := a.language()
				printf(a.out, i18n.T(lang, "cli.complaint.moved")+"\n", store.ShortID(row.ID), row.Company, i18n.T(lang, "complaint."+row.Status))
			})
		},
	}
	if status == model.ComplaintResolved {
		cmd.Flags().StringVar(&resolution, "resolution", "", "how it was resolved")
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the complaint as JSON")
	return cmd
}
