package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/spf13/cobra"
)

func init() {
	commandGroups = append(commandGroups, func(root *cobra.Command, a *app) {
		sv := &cobra.Command{Use: "service", Short: "After-sales service orders of won accounts"}
		sv.AddCommand(a.serviceAddCmd(), a.serviceListCmd(), a.serviceScheduleCmd(), a.serviceDoneCmd(), a.serviceCancelCmd())
		root.AddCommand(sv)
	})
}

// serviceRow is one order as `service list --json` prints it: the order
// with its lead's company.
type serviceRow struct {
	model.ServiceOrder
	Company string `json:"company"`
}

func serviceRowOf(tx *store.Tx, s model.ServiceOrder) serviceRow {
	r := serviceRow{ServiceOrder: s, Company: store.ShortID(s.LeadID)}
	if c, err := tx.Card(s.LeadID); err == nil {
		r.Company = c.Company
	}
	return r
}

// serviceKind reads a kind of service as typed: its key, in any case.
func serviceKind(s string) (string, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	if !slices.Contains(model.ServiceKinds, k) {
		return "", &model.FieldError{Field: "--kind", Problem: fmt.Sprintf("%q is not a kind of service (%s)", s, strings.Join(model.ServiceKinds, ", "))}
	}
	return k, nil
}

// kindLabel and statusLabel name a kind and a status in the user's
// language.
func (a *app) kindLabel(k string) string   { return i18n.T(a.language(), "service.kind."+k) }
func (a *app) statusLabel(s string) string { return i18n.T(a.language(), "service.status."+s) }

// assigneeLabel is who does the work: the assignee or the queue.
func (a *app) assigneeLabel(s model.ServiceOrder) string {
	if s.Assignee == "" {
		return i18n.T(a.language(), "service.queue")
	}
	return s.Assignee
}

// day reads a day as every command takes it (model.ParseDate).
func (a *app) day(flag, s string) (model.Date, error) {
	d, err := model.ParseDate(s, model.Today(a.now(), a.rules().Location))
	if err != nil {
		return d, &model.FieldError{Field: flag, Problem: err.Error()}
	}
	return d, nil
}

func (a *app) serviceAddCmd() *cobra.Command {
	var kind, due, assignee, notes string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "add LEAD --kind KIND",
		Short: "Add a service order to a won account",
		Long: `Add a service order to a won account. Without --assignee it waits in the
after-sales queue, which every after-sales user sees. Winning a lead adds
the company's hand-off orders by itself.`,
		Example: `  fieldcrm service add Acme --kind repair --due fri --assignee lin`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := serviceKind(kind)
			if err != nil {
				return err
			}
			s := model.ServiceOrder{Kind: k, Assignee: strings.TrimSpace(assignee), Notes: strings.TrimSpace(notes)}
			if due != "" {
				if s.Due, err = a.day("--due", due); err != nil {
					return err
				}
			}
			write := func(tx *store.Tx) (serviceRow, error) {
				var err error
				if s.LeadID, err = tx.ResolveLead(args[0]); err != nil {
					return serviceRow{}, err
				}
				if err := tx.AddService(&s); err != nil {
					return serviceRow{}, err
				}
				return serviceRowOf(tx, s), nil
			}
			return writeRow(a, asJSON, write, func(row serviceRow) { a.saidService("cli.service.added", row) })
		},
	}
	cmd.Flags().StringVar(&kind, "kind", "", strings.Join(model.ServiceKinds, ", "))
	cmd.Flags().StringVar(&due, "due", "", "the day it is due (2026-12-01, fri, +3d)")
	cmd.Flags().StringVar(&assignee, "assignee", "", "the after-sales user (none: the queue)")
	cmd.Flags().StringVar(&notes, "notes", "", "notes on the work")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the order as JSON")
	return cmd
}

// saidService prints what a command did to an order, in one line.
func (a *app) saidService(key string, r serviceRow) {
	due := r.Due.String()
	if due == "" {
		due = "-"
	}
	printf(a.out, i18n.T(a.language(), key)+"\n", store.ShortID(r.ID), a.kindLabel(r.Kind), r.Company,
		a.statusLabel(r.Status), due, a.assigneeLabel(r.ServiceOrder))
}

func (a *app) serviceListCmd() *cobra.Command {
	var open, asJSON bool
	var lead string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List service orders by due day",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			read := func(tx *store.Tx) ([]serviceRow, error) {
				var list []model.ServiceOrder
				var err error
				if lead != "" {
					id, err := tx.ResolveLead(lead)
					if err != nil {
						return nil, err
					}
					if list, err = tx.ServicesOf(id); err != nil {
						return nil, err
					}
					if open {
						list = slices.DeleteFunc(list, func(s model.ServiceOrder) bool { return !s.IsOpen() })
					}
				} else if list, err = tx.Services(open); err != nil {
					return nil, err
				}
				var rows []serviceRow
				for _, s := range list {
					rows = append(rows, serviceRowOf(tx, s))
				}
				return rows, nil
			}
			return listRows(a, asJSON, "cli.service.none", read, func(lang string, rows []serviceRow) *table {
				t := &table{header: strings.Split(i18n.T(lang, "cli.service.head"), "|"), max: []int{0, 0, 0, 0, 30, 20, 40}}
				for _, r := range rows {
					t.add(store.ShortID(r.ID), orDash(r.Due.String()), a.kindLabel(r.Kind), a.statusLabel(r.Status),
						r.Company, a.assigneeLabel(r.ServiceOrder), firstLineOf(r.Notes))
				}
				return t
			})
		},
	}
	cmd.Flags().BoolVar(&open, "open", false, "only open and scheduled orders")
	cmd.Flags().StringVar(&lead, "lead", "", "only the orders of this lead")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

func firstLineOf(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// editService resolves ref to an order, changes it through fn and says
// what became of it with the catalog's key.
func (a *app) editService(ref, key string, asJSON bool, fn func(*model.ServiceOrder) error) error {
	write := func(tx *store.Tx) (serviceRow, error) {
		id, err := tx.ResolveService(ref)
		if err != nil {
			return serviceRow{}, err
		}
		s, err := tx.EditService(id, fn)
		return serviceRowOf(tx, s), err
	}
	return writeRow(a, asJSON, write, func(row serviceRow) { a.saidService(key, row) })
}

const serviceRef = `Name the order by its id (or the end of it), or by its lead when the lead
has one open order.`

func (a *app) serviceScheduleCmd() *cobra.Command {
	var due string
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "schedule SERVICE --due DAY",
		Short:   "Schedule a service order for a day agreed with the customer",
		Long:    "Schedule a service order for a day agreed with the customer.\n\n" + serviceRef,
		Example: `  fieldcrm service schedule 5d2c11aa --due 2026-12-03`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if due == "" {
				return &model.FieldError{Field: "--due", Problem: "is required: the day agreed with the customer"}
			}
			d, err := a.day("--due", due)
			if err != nil {
				return err
			}
			return a.editService(args[0], "cli.service.scheduled", asJSON, func(s *model.ServiceOrder) error {
				s.Status, s.Due = model.ServiceScheduled, d
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&due, "due", "", "the day (2026-12-01, fri, +3d)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the order as JSON")
	return cmd
}

func (a *app) serviceDoneCmd() *cobra.Command {
	var notes, signedOff string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "done SERVICE",
		Short: "Mark a service order done, with visit notes and the sign-off",
		Long: "Mark a service order done, with the visit notes and the customer's\n" +
			"person who signed the work off.\n\n" + serviceRef,
		Example: `  fieldcrm service done Acme --notes "Commissioned" --signed-off-by 李工`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.editService(args[0], "cli.service.done", asJSON, func(s *model.ServiceOrder) error {
				s.Status = model.ServiceDone
				if n := strings.TrimSpace(notes); n != "" {
					s.Notes = n
				}
				if n := strings.TrimSpace(signedOff); n != "" {
					s.SignedOffBy = n
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&notes, "notes", "", "what was done on the visit")
	cmd.Flags().StringVar(&signedOff, "signed-off-by", "", "the customer's person who signed it off")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the order as JSON")
	return cmd
}

func (a *app) serviceCancelCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "cancel SERVICE",
		Short: "Cancel a service order that is no longer needed",
		Long:  "Cancel a service order that is no longer needed.\n\n" + serviceRef,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.editService(args[0], "cli.service.cancelled", asJSON, func(s *model.ServiceOrder) error {
				s.Status = model.ServiceCancelled
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the order as JSON")
	return cmd
}
