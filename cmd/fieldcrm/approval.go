package main

import (
	"errors"
	"os"
	"strings"

	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/spf13/cobra"
)

func init() {
	commandGroups = append(commandGroups, func(root *cobra.Command, a *app) {
		ap := &cobra.Command{Use: "approval", Short: "Ask for, list and decide approvals of big deals"}
		ap.AddCommand(a.approvalRequestCmd(), a.approvalListCmd(), a.approvalShowCmd(),
			a.approvalDecideCmd("approve", model.Approved), a.approvalDecideCmd("reject", model.Rejected))
		root.AddCommand(ap)
	})
}

// approvalRow is one request as `approval list --json` and `approval show
// --json` print it: the request with its lead's company and its status.
type approvalRow struct {
	model.Approval
	Company string `json:"company"`
	Status  string `json:"status"`
}

func approvalRowOf(tx *store.Tx, ap model.Approval) approvalRow {
	r := approvalRow{Approval: ap, Company: store.ShortID(ap.LeadID), Status: ap.Status()}
	if c, err := tx.Card(ap.LeadID); err == nil {
		r.Company = c.Company
	}
	return r
}

const approvalHelp = `The company's rules (the [approval] settings) say which deals need the
approval of leadership before they are won: a value at or above a limit,
a discount deeper than a limit, or a channel. A request carries the
deal's figures as they are when asked; an approval covers the deal up to
them, so a deal that grows after it needs asking again.`

func (a *app) approvalRequestCmd() *cobra.Command {
	var note string
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "request LEAD",
		Short:   "Ask for approval of a lead's deal, with its figures as they are now",
		Long:    "Ask for approval of a lead's deal.\n\n" + approvalHelp,
		Example: `  fieldcrm approval request Acme --note "Framework deal, 3 sites"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			write := func(tx *store.Tx) (approvalRow, error) {
				id, err := tx.ResolveLead(args[0])
				if err != nil {
					return approvalRow{}, err
				}
				ap, err := tx.RequestApproval(id, note)
				return approvalRowOf(tx, ap), err
			}
			return writeRow(a, asJSON, write, func(row approvalRow) {
				lang := a.language()
				printf(a.out, i18n.T(lang, "cli.approval.asked")+"\n", store.ShortID(row.ID), row.Company, row.Value)
				if len(row.Reasons) == 0 {
					printf(a.out, "%s\n", i18n.T(lang, "approval.no_reasons"))
				} else {
					printf(a.out, i18n.T(lang, "approval.reasons")+"\n", a.reasons(row.Reasons))
				}
			})
		},
	}
	cmd.Flags().StringVar(&note, "note", "", "a note to the approvers")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the request as JSON")
	return cmd
}

// reasons names why a deal needs approval, in the user's language.
func (a *app) reasons(keys []string) string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = i18n.T(a.language(), "approval.reason_short."+k)
	}
	return strings.Join(out, ", ")
}

// verdict names a request's status or a decision's verdict.
func (a *app) verdict(status string) string {
	return i18n.T(a.language(), "approval.status."+status)
}

func (a *app) approvalListCmd() *cobra.Command {
	var pending, asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List approval requests, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			read := func(tx *store.Tx) ([]approvalRow, error) {
				var rows []approvalRow
				list, err := tx.Approvals(pending)
				for _, ap := range list {
					rows = append(rows, approvalRowOf(tx, ap))
				}
				return rows, err
			}
			return listRows(a, asJSON, "approvals.empty", read, func(lang string, rows []approvalRow) *table {
				t := &table{header: strings.Split(i18n.T(lang, "cli.approval.head"), "|"), max: []int{0, 0, 30, 0, 0, 16, 24}}
				t.right = []bool{false, false, false, true, false, false, false}
				loc := a.rules().Location
				for _, r := range rows {
					t.add(store.ShortID(r.ID), model.DateOf(r.RequestedAt.In(loc)).String(), r.Company,
						shortMoney(lang, r.Value.Amount, r.Value.Currency), a.verdict(r.Status), r.RequestedBy, a.reasons(r.Reasons))
				}
				return t
			})
		},
	}
	cmd.Flags().BoolVar(&pending, "pending", false, "only those waiting for a decision")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

func (a *app) approvalShowCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show APPROVAL",
		Short: "Show a request with its decisions (APPROVAL: id, or a lead)",
		Long: `Show an approval request with its decisions. Name it by its id (or the
end of it), or by its lead: its request waiting for a decision, else its
newest.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var row approvalRow
			err := a.view(func(tx *store.Tx) error {
				id, err := tx.ResolveApproval(args[0])
				if errors.Is(err, store.ErrNotFound) {
					id = newestApproval(tx, args[0])
				}
				if id == "" {
					return err
				}
				ap, err := tx.Approval(id)
				row = approvalRowOf(tx, ap)
				return err
			})
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(a.out, row)
			}
			a.printApproval(row)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

// newestApproval is the newest request of the lead ref names, "" when
// ref names no lead with one.
func newestApproval(tx *store.Tx, ref string) string {
	lead, err := tx.ResolveLead(ref)
	if err != nil {
		return ""
	}
	list, _ := tx.ApprovalsOf(lead)
	if len(list) == 0 {
		return ""
	}
	return list[len(list)-1].ID
}

func (a *app) printApproval(r approvalRow) {
	w, lang, loc := a.out, a.language(), a.rules().Location
	at := func(d model.Decision) string { return d.At.In(loc).Format("2006-01-02 15:04") }
	printf(w, i18n.T(lang, "approvals.request_of")+"  %s\n", r.Company, r.ID)
	printf(w, i18n.T(lang, "approvals.status_line")+"\n", a.verdict(r.Status))
	printf(w, i18n.T(lang, "approvals.asked")+"\n", r.RequestedBy, r.RequestedAt.In(loc).Format("2006-01-02 15:04"))
	figures := []string{i18n.Tf(lang, "approval.value", r.Value)}
	if r.DiscountPct > 0 {
		figures = append(figures, i18n.Tf(lang, "approval.discount", r.DiscountPct))
	}
	if r.Channel != "" {
		figures = append(figures, i18n.Tf(lang, "approval.channel", r.Channel))
	}
	printf(w, "%s\n", strings.Join(figures, "  "))
	if len(r.Reasons) > 0 {
		printf(w, i18n.T(lang, "approval.reasons")+"\n", a.reasons(r.Reasons))
	}
	if r.Note != "" {
		printf(w, i18n.T(lang, "cli.labelled")+"\n", i18n.T(lang, "approvals.note"), r.Note)
	}
	printf(w, "\n%s\n", strings.TrimSpace(i18n.Tf(lang, "cli.labelled", i18n.T(lang, "approvals.decisions"), "")))
	if len(r.Decisions) == 0 {
		printf(w, "  %s\n", i18n.T(lang, "approvals.no_decision"))
	}
	inForce, _ := r.Decision()
	for _, d := range r.Decisions {
		mark := i18n.T(lang, "approvals.overruled")
		if d.ID == inForce.ID {
			mark = i18n.T(lang, "approvals.in_force")
		}
		printf(w, "  "+i18n.T(lang, "approvals.decision")+"\n", a.verdict(d.Verdict), d.By, at(d), mark)
		if d.Note != "" {
			printf(w, "    %s\n", d.Note)
		}
	}
}

func (a *app) approvalDecideCmd(use, verdict string) *cobra.Command {
	var note string
	var asJSON bool
	short := "Approve a request (APPROVAL: id, or a lead with one waiting)"
	if verdict == model.Rejected {
		short = "Reject a request (APPROVAL: id, or a lead with one waiting)"
	}
	cmd := &cobra.Command{
		Use:   use + " APPROVAL",
		Short: short,
		Long: short + `.

Leadership decides (and managers too when the company's settings say so).
A later decision overrules an earlier one; both stay in the request.`,
		Example: "  fieldcrm approval " + use + ` Acme --note "Go ahead"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			write := func(tx *store.Tx) (approvalRow, error) {
				id, err := tx.ResolveApproval(args[0])
				if err != nil {
					return approvalRow{}, err
				}
				ap, err := tx.DecideApproval(id, verdict, note)
				switch {
				case errors.Is(err, store.ErrMayNotDecide):
					err = errors.New(i18n.Tf(a.language(), "cli.approval.may_not", a.approverNames(), i18n.T(a.language(), "role."+tx.Role())))
				case errors.Is(err, store.ErrOwnRequest):
					err = errors.New(i18n.Tf(a.language(), "cli.approval.own", store.ShortID(id)))
				}
				return approvalRowOf(tx, ap), err
			}
			return writeRow(a, asJSON, write, func(row approvalRow) {
				printf(a.out, i18n.T(a.language(), "cli.approval.decided")+"\n", a.verdict(verdict), store.ShortID(row.ID), row.Company)
			})
		},
	}
	cmd.Flags().StringVar(&note, "note", "", "a comment with the decision")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the request as JSON")
	return cmd
}

// approverNames names the roles that decide, in the user's language.
func (a *app) approverNames() string {
	roles := a.rules().Approval.Approvers
	if len(roles) == 0 {
		roles = []string{"leadership"}
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = i18n.T(a.language(), "role."+r)
	}
	return strings.Join(names, i18n.T(a.language(), "approvals.and"))
}

// approvalNeeded says a move to won needs approval in the user's
// language, naming the command that asks for it.
func (a *app) approvalNeeded(e *model.ApprovalError, lead string) error {
	return errors.New(i18n.Tf(a.language(), "cli.approval.needed", e.Company, a.reasons(e.Reasons), lead))
}

// noteRole keeps in the book the role login was told, so a decision the
// role may not take is refused at once (a re-login is how a changed role
// reaches the book before a day's syncs ask again). A book not made yet
// learns it at its first sync.
func (a *app) noteRole(role string) {
	if _, err := os.Stat(a.resolvedDBPath()); err != nil || role == "" {
		return
	}
	_ = a.update(func(tx *store.Tx) error { return tx.SetRole(role) })
}
