package main

import (
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fieldcrm/fieldcrm/config"
	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/spf13/cobra"
)

// completionLockWait bounds the wait for the book's lock while the shell
// waits for candidates: a book held by the UI gives no candidates rather
// than a hung Tab.
const completionLockWait = 150 * time.Millisecond

// registerCompletions gives every command's arguments and flags their
// candidates, by the names the commands' usage lines give them: LEAD
// (company names and short ids), STAGE, FOLLOWUP, APPROVAL, SERVICE, and
// the --stage, --source, --lost-reason, --kind (a service's kinds under
// service), service's --lead and lead move's --reason flags. None of them
// offers file names.
func (a *app) registerCompletions(root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.ValidArgsFunction == nil && c.ValidArgs == nil {
			args := strings.Fields(c.Use)[1:]
			if slices.ContainsFunc(args, func(n string) bool { return completedArg(n) != "" }) {
				c.ValidArgsFunction = a.completeArgs(c, args)
			}
		}
		a.registerFlagCompletions(c)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	for _, c := range root.Commands() {
		walk(c)
	}
}

func (a *app) registerFlagCompletions(c *cobra.Command) {
	lists := map[string]func() []string{
		"stage":       a.stageCandidates,
		"source":      func() []string { return a.channelCandidates(model.Channels) },
		"lost-reason": func() []string { return a.channelCandidates(model.LostReasons) },
		"kind":        func() []string { return a.channelCandidates(model.ActivityKinds) },
	}
	if c.Name() == "move" && c.Parent() != nil && c.Parent().Name() == "lead" {
		lists["reason"] = lists["lost-reason"]
	}
	if c.Parent() != nil && c.Parent().Name() == "service" {
		lists["kind"] = a.serviceKindCandidates
		lists["lead"] = func() []string { return a.leadCandidates("") }
	}
	for name, list := range lists {
		if c.LocalNonPersistentFlags().Lookup(name) == nil {
			continue
		}
		list := list
		_ = c.RegisterFlagCompletionFunc(name, func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return list(), cobra.ShellCompDirectiveNoFileComp
		})
	}
}

// completeArgs completes the positional arguments named in a usage line.
func (a *app) completeArgs(c *cobra.Command, names []string) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		name := ""
		switch {
		case len(args) < len(names):
			name = names[len(args)]
		case strings.HasSuffix(names[len(names)-1], "..."):
			name = names[len(names)-1]
		}
		name = completedArg(name)
		var out []string
		switch {
		case name == "" && strings.Contains(strings.Join(names, " "), "FILE"):
			return nil, cobra.ShellCompDirectiveDefault
		case name == "LEAD" && c.Name() == "restore":
			out = a.trashCandidates(toComplete)
		case name == "LEAD":
			out = a.leadCandidates(toComplete)
		case name == "STAGE":
			out = a.stageCandidates()
		case name == "FOLLOWUP":
			out = a.followUpCandidates(toComplete)
		case name == "APPROVAL":
			out = a.approvalCandidates(toComplete, c.Name() != "show")
		case name == "SERVICE":
			out = a.serviceCandidates(toComplete)
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completedArg returns LEAD, STAGE, FOLLOWUP, APPROVAL or SERVICE when a
// usage line's argument name is one of them ("[LEAD]" too), else "".
func completedArg(name string) string {
	switch n := strings.Trim(name, "[]."); n {
	case "LEAD", "STAGE", "FOLLOWUP", "APPROVAL", "SERVICE":
		return n
	}
	return ""
}

// completionLang is the language of the candidates' descriptions.
func (a *app) completionLang() string {
	return config.Language(a.lang, a.cfg)
}

func (a *app) stageCandidates() []string {
	a.loadCompletionConfig()
	var out []string
	for _, s := range a.rules().Pipeline.Stages {
		out = append(out, s.Key+"\t"+model.PrintableFlat(s.Label(a.completionLang())))
	}
	return out
}

func (a *app) channelCandidates(list []model.Channel) []string {
	a.loadCompletionConfig()
	var out []string
	for _, c := range list {
		out = append(out, c.Key+"\t"+c.Label(a.completionLang()))
	}
	return out
}

// leadCandidates offers the live leads by company name and by short id,
// each with the other as its description.
func (a *app) leadCandidates(prefix string) []string {
	var out []string
	a.completionView(func(tx *store.Tx) error {
		cards, err := tx.Cards()
		if err != nil {
			return err
		}
		for _, c := range cards {
			out = appendLead(out, prefix, c.ID, c.Company, c.Stage)
		}
		return nil
	})
	return out
}

func (a *app) trashCandidates(prefix string) []string {
	var out []string
	a.completionView(func(tx *store.Tx) error {
		trashed, err := tx.Trash()
		if err != nil {
			return err
		}
		for _, t := range trashed {
			out = appendLead(out, prefix, t.Lead.ID, t.Lead.Company, t.Lead.Stage)
		}
		return nil
	})
	return out
}

func appendLead(out []string, prefix, id, company, stage string) []string {
	short := store.ShortID(id)
	if strings.HasPrefix(short, prefix) {
		out = append(out, short+"\t"+model.PrintableFlat(company))
	}
	// A name with control characters could not be typed back; offer its id.
	if company != "" && model.PrintableFlat(company) == company && strings.HasPrefix(strings.ToLower(company), strings.ToLower(prefix)) {
		out = append(out, company+"\t"+short+" "+stage)
	}
	return out
}

// followUpCandidates offers the open follow-ups by short id, described by
// their lead, due day and action.
func (a *app) followUpCandidates(prefix string) []string {
	var out []string
	a.completionView(func(tx *store.Tx) error {
		tasks, err := tx.OpenTasks(model.Date{})
		if err != nil {
			return err
		}
		for _, tk := range tasks {
			short := store.ShortID(tk.ID)
			if !strings.HasPrefix(short, prefix) {
				continue
			}
			company := ""
			if c, err := tx.Card(tk.LeadID); err == nil {
				company = c.Company
			}
			out = append(out, short+"\t"+model.PrintableFlat(company+" "+tk.Due.String()+" "+tk.Action))
		}
		return nil
	})
	return out
}

// approvalCandidates offers the approval requests (only those waiting
// for a decision with pending) by short id, described by their lead,
// status and value.
func (a *app) approvalCandidates(prefix string, pending bool) []string {
	var out []string
	a.completionView(func(tx *store.Tx) error {
		list, err := tx.Approvals(pending)
		for _, ap := range list {
			if short := store.ShortID(ap.ID); strings.HasPrefix(short, prefix) {
				r := approvalRowOf(tx, ap)
				out = append(out, short+"\t"+model.PrintableFlat(r.Company+" "+r.Status+" "+r.Value.String()))
			}
		}
		return err
	})
	return out
}

// serviceCandidates offers the open service orders by short id,
// described by their lead, kind and due day.
func (a *app) serviceCandidates(prefix string) []string {
	var out []string
	a.completionView(func(tx *store.Tx) error {
		list, err := tx.Services(true)
		for _, s := range list {
			if short := store.ShortID(s.ID); strings.HasPrefix(short, prefix) {
				r := serviceRowOf(tx, s)
				out = append(out, short+"\t"+model.PrintableFlat(strings.TrimSpace(r.Company+" "+s.Kind+" "+s.Due.String())))
			}
		}
		return err
	})
	return out
}

func (a *app) serviceKindCandidates() []string {
	a.loadCompletionConfig()
	out := make([]string, len(model.ServiceKinds))
	for i, k := range model.ServiceKinds {
		out[i] = k + "\t" + i18n.T(a.completionLang(), "service.kind."+k)
	}
	return out
}

// loadCompletionConfig reads the config for a completion, which runs
// without the commands' pre-run: a bad config gives the defaults, silently.
func (a *app) loadCompletionConfig() {
	if a.cfg != nil {
		return
	}
	path := a.configPath
	if path == "" {
		path = os.Getenv("FIELDCRM_CONFIG")
	}
	cfg, _ := config.Load(path) // a bad file still gives the defaults
	a.cfg = cfg
	a.rules = sync.OnceValue(cfg.Rules)
}

// completionView reads the book for a completion: never a book that does
// not exist yet (it is not created), never a wait for a lock longer than
// completionLockWait, and never an error or panic in the shell's output.
// It opens the book read-only, so Tab leaves no trace: no lock file, no
// migration of an older book, no backup, no damaged mark.
func (a *app) completionView(fn func(*store.Tx) error) {
	defer func() { _ = recover() }()
	a.loadCompletionConfig()
	path := a.resolvedDBPath()
	if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
		return
	}
	rules := a.rules()
	st, err := store.Open(store.Options{Path: path, User: a.cfg.User, Rules: &rules, Now: a.now, LockTimeout: completionLockWait, CheckOnFirstUse: true, ReadOnly: true})
	if err != nil {
		return
	}
	defer st.Close()
	_ = st.View(fn)
}
