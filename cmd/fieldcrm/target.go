package main

import (
	"fmt"
	"strconv"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/spf13/cobra"
)

func init() {
	commandGroups = append(commandGroups, func(root *cobra.Command, a *app) {
		t := &cobra.Command{Use: "target", Short: "Set and list the yearly plan's targets: customers won and contract value"}
		t.AddCommand(a.targetSetCmd(), a.targetListCmd(), a.targetDeleteCmd())
		root.AddCommand(t)
	})
}

func (a *app) targetSetCmd() *cobra.Command {
	var year, quarter, count int
	var user, value string
	cmd := &cobra.Command{
		Use:   "set --year YYYY [--quarter N] [--user NAME] --won-count N --won-value V",
		Short: "Set a rep's target for a year or a quarter (it syncs; a manager sets a rep's)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("year") {
				return fmt.Errorf("--year is required")
			}
			if !cmd.Flags().Changed("won-count") && !cmd.Flags().Changed("won-value") {
				return fmt.Errorf("give --won-count, --won-value or both")
			}
			tg := model.Target{Year: year, Quarter: quarter, User: user, WonCount: count}
			if value != "" {
				m, err := model.ParseMoney(value)
				if err != nil {
					return fmt.Errorf("--won-value: %w", err)
				}
				tg.WonValue = m
			}
			err := a.update(func(tx *store.Tx) error {
				if tg.User == "" {
					tg.User = tx.User()
				}
				// Keep what was set before for the half not given now.
				id := model.TargetID(tg.Year, tg.Quarter, tg.User)
				if old, err := tx.Targets(); err == nil {
					for _, o := range old {
						if o.ID != id {
							continue
						}
						if !cmd.Flags().Changed("won-count") {
							tg.WonCount = o.WonCount
						}
						if !cmd.Flags().Changed("won-value") {
							tg.WonValue = o.WonValue
						}
					}
				}
				return tx.SetTarget(&tg)
			})
			if err != nil {
				return err
			}
			printf(a.out, "target %s %s: %d won, %s\n", tg.User, periodName(tg.Year, tg.Quarter), tg.WonCount, tg.WonValue)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&year, "year", 0, "the plan's year")
	fl.IntVar(&quarter, "quarter", 0, "a quarter 1-4 (default: the whole year)")
	fl.StringVar(&user, "user", "", "whose target (default: you)")
	fl.IntVar(&count, "won-count", 0, "new customers to win")
	fl.StringVar(&value, "won-value", "", "contract value to win, like 2000000, 200万 or \"1.5M CNY\"")
	return cmd
}

func periodName(year, quarter int) string {
	if quarter == 0 {
		return strconv.Itoa(year)
	}
	return fmt.Sprintf("%d-Q%d", year, quarter)
}

func (a *app) targetListCmd() *cobra.Command {
	var asJSON bool
	var year int
	var user string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List targets by year, quarter and rep",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var ts []model.Target
			err := a.view(func(tx *store.Tx) error {
				all, err := tx.Targets()
				for _, t := range all {
					if (year == 0 || t.Year == year) && (user == "" || t.User == user) {
						ts = append(ts, t)
					}
				}
				return err
			})
			if err != nil {
				return err
			}
			if asJSON {
				if ts == nil {
					ts = []model.Target{}
				}
				return printJSON(a.out, ts)
			}
			if len(ts) == 0 {
				fmt.Fprintln(a.out, "no targets; set one with 'fieldcrm target set --year YYYY --won-count N --won-value V'")
				return nil
			}
			t := table{header: []string{"PERIOD", "USER", "WON", "VALUE", "SET BY"}}
			for _, tg := range ts {
				t.add(periodName(tg.Year, tg.Quarter), tg.User, strconv.Itoa(tg.WonCount), tg.WonValue.String(), tg.SetBy)
			}
			t.write(a.out)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	cmd.Flags().IntVar(&year, "year", 0, "only this year")
	cmd.Flags().StringVar(&user, "user", "", "only this rep")
	return cmd
}

func (a *app) targetDeleteCmd() *cobra.Command {
	var year, quarter int
	var user string
	cmd := &cobra.Command{
		Use:   "delete --year YYYY [--quarter N] [--user NAME]",
		Short: "Remove a target",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if year == 0 {
				return fmt.Errorf("--year is required")
			}
			err := a.update(func(tx *store.Tx) error {
				if user == "" {
					user = tx.User()
				}
				return tx.DeleteTarget(year, quarter, user)
			})
			if err != nil {
				return err
			}
			printf(a.out, "deleted target %s %s\n", user, periodName(year, quarter))
			return nil
		},
	}
	cmd.Flags().IntVar(&year, "year", 0, "the plan's year")
	cmd.Flags().IntVar(&quarter, "quarter", 0, "a quarter 1-4 (default: the whole year)")
	cmd.Flags().StringVar(&user, "user", "", "whose target (default: you)")
	return cmd
}
