package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/spf13/cobra"
)

// adminWith runs fn on the server's admin interface (see adminCmd).
type adminWith func(fn func(ctx context.Context, adm server.Admin) error) error

// adminOpsCmd is `fieldcrm admin ops`: list the server's log and
// quarantine bad ops.
func (a *app) adminOpsCmd(with adminWith) *cobra.Command {
	ops := &cobra.Command{Use: "ops", Short: "List the server's ops and quarantine bad ones"}

	var q server.OpQuery
	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List the ops in the server's log (names and sizes; values only with --json)",
		Long: `List the ops in the server's log in seq order: seq, op id, time (the op's
clock), pushing user, entity, kind, the names of the fields it sets and its
size. Values are shown only with --json. With --bad, only the ops that fail
today's checks and are not quarantined, each with its reason.`,
		Example: `  fieldcrm admin ops list --bad
  fieldcrm admin ops list --user wang --limit 20
  fieldcrm admin ops list --lead 0192f3c4-... --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if q.Limit < 0 {
				return errors.New("--limit must be 0 (no limit) or more")
			}
			q.Values = asJSON
			return with(func(ctx context.Context, adm server.Admin) error {
				res, err := adm.ListOps(ctx, q)
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(a.out, res)
				}
				a.printOps(res.Ops, q.Bad)
				switch {
				case res.More:
					fmt.Fprintf(a.out, "(only the first %d shown; give --limit for more)\n", len(res.Ops))
				case len(res.Ops) == 0 && q.Bad:
					fmt.Fprintf(a.out, "no bad ops among the %d ops checked\n", res.Scanned)
				case len(res.Ops) == 0:
					fmt.Fprintln(a.out, "no ops match")
				}
				return nil
			})
		},
	}
	f := list.Flags()
	f.StringVar(&q.User, "user", "", "only ops pushed by this user")
	f.StringVar(&q.Lead, "lead", "", "only ops on this lead or the records under it (full lead id)")
	f.BoolVar(&q.Bad, "bad", false, "only ops that fail today's checks (not yet quarantined), with the reason")
	f.IntVar(&q.Limit, "limit", 100, "list at most this many (0: all)")
	f.BoolVar(&asJSON, "json", false, "print JSON, with each op's values")

	var reason string
	quarantine := &cobra.Command{
		Use:   "quarantine OP_ID",
		Short: "Take a bad op out of every pull and repair its record",
		Long: `Take an op out of what pulls send: its log entry stays but is skipped.
The server rebuilds the op's record from the record's other ops, and appends
a repair op (by "admin") that sets the fields the bad op set back to the
rebuilt values, so laptops that already applied the bad op come back in
line on their next sync. Who, when and why are kept with the mark, and
listed by 'admin ops list'. Find bad ops with 'admin ops list --bad' or
'admin check'.`,
		Example: `  fieldcrm admin ops quarantine 0192f3c4-7a1e-7c3b-9d2e-5f6a7b8c9d0e --reason "created_at was a number"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return with(func(ctx context.Context, adm server.Admin) error {
				res, err := adm.QuarantineOp(ctx, args[0], reason, operator())
				if err != nil {
					return err
				}
				a.printQuarantine(res)
				return nil
			})
		},
	}
	quarantine.Flags().StringVar(&reason, "reason", "", "why, kept with the mark for the audit trail")
	ops.AddCommand(list, quarantine)
	return ops
}

// adminCheckCmd is `fieldcrm admin check`.
func (a *app) adminCheckCmd(with adminWith) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check every op and record on the server against today's rules; exit 1 if any fails",
		Long: `Scan the whole log and every record: ops that fail today's checks and are
not quarantined (as 'admin ops list --bad' shows them), and records that
fail the checks a laptop makes when a record arrives. Exits 1 when it finds
any, 0 when all pass. 'fieldcrm serve' runs the same check when it starts.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return with(func(ctx context.Context, adm server.Admin) error {
				rep, err := adm.CheckData(ctx, 0)
				if err != nil {
					return err
				}
				if asJSON {
					if err := printJSON(a.out, rep); err != nil {
						return err
					}
				} else {
					a.printCheck(rep)
				}
				if rep.Problems() > 0 {
					return exitError{code: 1, err: fmt.Errorf("%d bad op(s) and %d bad record(s) found; see the ops with 'fieldcrm admin ops list --bad' and take one out with 'fieldcrm admin ops quarantine OP_ID'",
						len(rep.Ops), len(rep.Records))}
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

// operator names who runs an admin command, for the audit trail.
func operator() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}

// clean makes text from the log safe to print on a terminal.
func clean(s string) string { return model.Printable(s) }

func entityCell(ref model.EntityRef) string {
	if ref.Type == "" && ref.ID == "" {
		return "?"
	}
	return clean(ref.Type) + " " + clean(ref.ID)
}

func (a *app) printOps(ops []server.OpInfo, bad bool) {
	if len(ops) == 0 {
		return
	}
	header := []string{"SEQ", "OP", "TIME", "USER", "ENTITY", "KIND", "FIELDS", "SIZE", "STATUS"}
	max := []int{0, 0, 0, 0, 50, 0, 40, 0, 0}
	if bad {
		header[len(header)-1] = "REASON"
		max[len(max)-1] = 100
	}
	t := &table{header: header, max: max}
	for _, o := range ops {
		when := "-"
		if !o.Time.IsZero() {
			when = o.Time.Local().Format(time.DateTime)
		}
		status := ""
		switch {
		case bad:
			status = clean(o.Bad)
		case o.Quarantined != nil:
			status = "quarantined"
		case o.Bad != "":
			status = "bad"
		}
		names := make([]string, len(o.Fields))
		for i, f := range o.Fields {
			names[i] = clean(f)
		}
		t.add(strconv.FormatUint(o.Seq, 10), orDash(clean(o.OpID)), when, orDash(clean(o.User)), entityCell(o.Entity),
			orDash(clean(o.Kind)), strings.Join(names, ","), strconv.Itoa(o.Size), status)
	}
	t.write(a.out)
}

func (a *app) printQuarantine(r server.QuarantineResult) {
	fmt.Fprintf(a.out, "quarantined op %s (seq %d): pulls no longer send it\n", clean(r.OpID), r.Seq)
	if r.Entity.Type != "" {
		switch {
		case r.Dropped:
			fmt.Fprintf(a.out, "%s: no other op made it, so the server no longer holds it\n", entityCell(r.Entity))
		default:
			fmt.Fprintf(a.out, "%s: rebuilt from its %d other op(s)\n", entityCell(r.Entity), r.Rebuilt)
		}
	}
	for _, op := range r.Repairs {
		fmt.Fprintf(a.out, "repair op %s (seq %d) sets %s back on laptops that applied it\n", op.OpID, op.Seq, clean(strings.Join(op.Fields, ", ")))
	}
	if r.Note != "" {
		fmt.Fprintln(a.out, clean(r.Note))
	}
}

func (a *app) printCheck(r server.CheckReport) {
	for _, o := range r.Ops {
		fmt.Fprintf(a.out, "bad op: seq %d, op %s by %s on %s: %s\n", o.Seq, orDash(clean(o.OpID)), orDash(clean(o.User)), entityCell(o.Entity), clean(o.Bad))
	}
	for _, rec := range r.Records {
		fmt.Fprintf(a.out, "bad record: %s: %s\n", entityCell(rec.Entity), clean(rec.Reason))
	}
	fmt.Fprintf(a.out, "checked %d ops and %d records: %d bad op(s), %d bad record(s)\n", r.OpsChecked, r.RecordsChecked, len(r.Ops), len(r.Records))
}
