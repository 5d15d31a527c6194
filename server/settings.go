package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
)

// Company settings (DESIGN.md §7): one document in the TOML format of the
// laptops' config file, holding only the company's sections (pipeline,
// screening, templates, return visits, commission, the approval and
// hand-off rules). Every change is a new version, kept for good, so
// an operator can see and restore what was in force; laptops fetch the
// newest (GET /v1/settings) and use it over their own file while logged
// in. The server checks pushed leads against the newest version's
// pipeline, and moves to won against its approval rules.
//
// The server does not link the laptops' config package (deps_test.go),
// so the text is checked by the function cmd/fieldcrm hands in
// (Service.ParseSettings): the very code the laptop runs, line numbers
// and all. What the server itself needs of a version (the pipeline, the
// approval and hand-off rules) is stored beside its text, decoded once,
// so reading it needs no parser.

// StoredSettings is one version of the company settings.
type StoredSettings struct {
	Version uint64    `json:"version"`
	Text    string    `json:"text"`
	At      time.Time `json:"at"`
	By      string    `json:"by"`
	// Stages is the pipeline this version sets (the default pipeline's
	// when the text sets none), for the server's checks.
	Stages []model.Stage `json:"stages"`
	// Approval and Handoff are the rules this version sets; nil in a
	// version stored before the server kept them, which means the
	// defaults (see rules).
	Approval *model.ApprovalRules `json:"approval,omitempty"`
	Handoff  *model.HandoffRules  `json:"handoff,omitempty"`
}

// rules returns the version's approval and hand-off rules: the defaults
// where it has none.
func (st StoredSettings) rules() (model.ApprovalRules, model.HandoffRules) {
	a, h := model.DefaultApprovalRules(), model.DefaultHandoff()
	if st.Approval != nil {
		a = *st.Approval
	}
	if st.Handoff != nil {
		h = *st.Handoff
	}
	return a, h
}

// SettingsVersion describes one version for the history, without its text.
type SettingsVersion struct {
	Version uint64    `json:"version"`
	At      time.Time `json:"at"`
	By      string    `json:"by"`
	Stages  []string  `json:"stages"`
	Bytes   int       `json:"bytes"`
}

// SettingsTx is what the settings need of a storage transaction; Tx
// includes it.
type SettingsTx interface {
	// SettingsVersion returns the newest version's number, 0 when none
	// is stored.
	SettingsVersion() (uint64, error)
	// Settings returns version v, or the newest when v is 0; ok is false
	// when there is no such version.
	Settings(v uint64) (s StoredSettings, ok bool, err error)
	// PutSettings stores s as a new version: its number must be the
	// newest plus one.
	PutSettings(s StoredSettings) error
	// SettingsHistory lists every version, oldest first.
	SettingsHistory() ([]SettingsVersion, error)
}

// ParsedSettings is what the server uses of a settings document: the
// pipeline pushed leads are checked against, the approval rules that
// gate a move to won and say who decides, and the hand-off rules (kept
// with the version, for the record; laptops make the hand-off).
type ParsedSettings struct {
	Pipeline model.Pipeline
	Approval model.ApprovalRules
	Handoff  model.HandoffRules
}

// SettingsProblem is one thing wrong with a settings document: the type
// config.Problem is too, so the checker cmd hands the server passes
// config's problems on as they are.
type SettingsProblem = model.SettingsProblem

// SettingsParser checks a settings document's text: what it sets, or
// its problems (any problem means it must not be used), and warnings
// (settings it does not know).
type SettingsParser func(text string) (ParsedSettings, []SettingsProblem, []string)

// OrphanLead is a lead whose stage a settings change would remove.
type OrphanLead struct {
	ID      string `json:"id"`
	Company string `json:"company"`
	Stage   string `json:"stage"`
	Trashed bool   `json:"trashed,omitempty"`
}

// MaxOrphansShown is how many orphaned leads a refusal names; it counts
// them all.
const MaxOrphansShown = 20

// SettingsResult answers a check or a change of the settings. A refused
// change has Problems or Orphans and Version 0.
type SettingsResult struct {
	Version   uint64            `json:"version,omitempty"`
	Unchanged bool              `json:"unchanged,omitempty"` // the text is the newest version's already
	Problems  []SettingsProblem `json:"problems,omitempty"`
	Warnings  []string          `json:"warnings,omitempty"`
	// Orphans are the first MaxOrphansShown leads in a stage the new
	// pipeline lacks; OrphanCount counts them all.
	Orphans     []OrphanLead `json:"orphans,omitempty"`
	OrphanCount int          `json:"orphan_count,omitempty"`
}

// OK reports whether the document may be (or was) stored.
func (r SettingsResult) OK() bool { return len(r.Problems) == 0 && r.OrphanCount == 0 }

// SettingsAdmin is the part of Admin that keeps the company settings.
type SettingsAdmin interface {
	// ShowSettings returns version v, or the newest when v is 0.
	ShowSettings(ctx context.Context, v uint64) (StoredSettings, error)
	// SetSettings checks text and, when it passes, stores it as the
	// next version.
	SetSettings(ctx context.Context, text string) (SettingsResult, error)
	// CheckSettings checks text as SetSettings does, storing nothing.
	CheckSettings(ctx context.Context, text string) (SettingsResult, error)
	SettingsHistory(ctx context.Context) ([]SettingsVersion, error)
}

// ErrNoSettings says no company settings are stored yet.
var ErrNoSettings = errors.New("no company settings are stored yet; set them with 'fieldcrm admin settings set FILE'")

// MaxSettingsBytes bounds a settings document: many times what a company
// needs (the default pipeline with a template per stage is under 4 KB),
// and, even with every byte escaped in JSON, within what the admin
// socket reads of a request (64 KiB).
const MaxSettingsBytes = 24 << 10

// settingsCache keeps the newest version's rules, so a push reads only
// the version number.
type settingsCache struct {
	mu      sync.Mutex
	version uint64
	rules   inForce
}

// inForce is what pushed ops are checked against: the pipeline and the
// approval rules.
type inForce struct {
	pipeline model.Pipeline
	approval model.ApprovalRules
}

// rulesIn returns the rules in force in tx: the newest settings' when
// any are stored, else Service.Pipeline (or the default pipeline) and
// the default approval rules. A push batch reads them once.
func (s *Service) rulesIn(tx Tx) (inForce, error) {
	bt, _ := tx.(*batchTx)
	if bt != nil && bt.rules != nil {
		return *bt.rules, nil
	}
	v, err := tx.SettingsVersion()
	if err != nil {
		return inForce{}, err
	}
	r := inForce{pipeline: s.pipeline(), approval: model.DefaultApprovalRules()}
	if v > 0 {
		s.settings.mu.Lock()
		cached, cr := s.settings.version, s.settings.rules
		s.settings.mu.Unlock()
		if cached == v {
			r = cr
		} else {
			st, ok, err := tx.Settings(v)
			if err != nil {
				return inForce{}, err
			}
			if ok {
				r = storedRules(st)
				s.remember(st)
			}
		}
	}
	if bt != nil {
		bt.rules = &r
	}
	return r, nil
}

// pipelineIn returns the pipeline pushed ops are checked against in tx
// (rulesIn).
func (s *Service) pipelineIn(tx Tx) (model.Pipeline, error) {
	r, err := s.rulesIn(tx)
	return r.pipeline, err
}

// currentPipeline is pipelineIn in a transaction of its own, for the
// checks of stored data (CheckData).
func (s *Service) currentPipeline(ctx context.Context) (model.Pipeline, error) {
	var p model.Pipeline
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		p, err = s.pipelineIn(tx)
		return err
	})
	return p, err
}

// logSettings says at start which stages pushes are checked against,
// and that Service.Pipeline (serve --pipeline) is not used when company
// settings are stored.
func logSettings(ctx context.Context, s *Service, log *slog.Logger) {
	var v uint64
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		v, err = tx.SettingsVersion()
		return err
	})
	switch {
	case err != nil:
		log.Warn("could not read the company settings' version", "err", err)
	case v > 0 && len(s.Pipeline.Stages) > 0:
		log.Warn("company settings are stored: --pipeline is not used", "settings_version", v)
	case v > 0:
		log.Info("company settings", "settings_version", v)
	default:
		log.Info("no company settings stored: pushes are checked against the --pipeline file's or the default stages", "stages", strings.Join(s.pipeline().Keys(), ","))
	}
}

// remember caches st's rules when st is newer than the cached one.
func (s *Service) remember(st StoredSettings) {
	s.settings.mu.Lock()
	defer s.settings.mu.Unlock()
	if st.Version > s.settings.version {
		s.settings.version, s.settings.rules = st.Version, storedRules(st)
	}
}

func storedRules(st StoredSettings) inForce {
	a, _ := st.rules()
	return inForce{pipeline: storedPipeline(st), approval: a}
}

func storedPipeline(st StoredSettings) model.Pipeline {
	if len(st.Stages) == 0 {
		return model.DefaultPipeline()
	}
	return model.Pipeline{Stages: st.Stages}
}

// ShowSettings implements SettingsAdmin.
func (s *Service) ShowSettings(ctx context.Context, v uint64) (StoredSettings, error) {
	var out StoredSettings
	err := s.Store.View(ctx, func(tx Tx) error {
		st, ok, err := tx.Settings(v)
		switch {
		case err != nil:
			return err
		case !ok && v == 0:
			return ErrNoSettings
		case !ok:
			return fmt.Errorf("there is no version %d of the company settings", v)
		}
		out = st
		return nil
	})
	return out, err
}

// SettingsHistory implements SettingsAdmin.
func (s *Service) SettingsHistory(ctx context.Context) ([]SettingsVersion, error) {
	var out []SettingsVersion
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.SettingsHistory()
		return err
	})
	if out == nil {
		out = []SettingsVersion{}
	}
	return out, err
}

// CheckSettings implements SettingsAdmin.
func (s *Service) CheckSettings(ctx context.Context, text string) (SettingsResult, error) {
	var res SettingsResult
	parsed, ok, err := s.parseSettings(text, &res)
	if err != nil || !ok {
		return res, err
	}
	err = s.Store.View(ctx, func(tx Tx) error { return orphans(tx, parsed.Pipeline, &res) })
	return res, err
}

// SetSettings implements SettingsAdmin. The check of leads in use and the
// write are one transaction, so no push can slip a lead into a removed
// stage between them (a push after it is checked against the new one).
func (s *Service) SetSettings(ctx context.Context, text string) (SettingsResult, error) {
	var res SettingsResult
	parsed, ok, err := s.parseSettings(text, &res)
	if err != nil || !ok {
		return res, err
	}
	var stored StoredSettings
	err = s.Store.Update(ctx, func(tx Tx) error {
		res.Orphans, res.OrphanCount = nil, 0 // a rerun (PostgreSQL retries a conflict) counts afresh
		if err := orphans(tx, parsed.Pipeline, &res); err != nil || res.OrphanCount > 0 {
			return err
		}
		cur, ok, err := tx.Settings(0)
		if err != nil {
			return err
		}
		if ok && cur.Text == text {
			res.Version, res.Unchanged = cur.Version, true
			return nil
		}
		a := auditActor(ctx)
		// Microseconds: what PostgreSQL keeps, so both backends agree.
		at := s.now().UTC().Truncate(time.Microsecond)
		stored = StoredSettings{Version: cur.Version + 1, Text: text, At: at, By: a.By, Stages: parsed.Pipeline.Stages,
			Approval: &parsed.Approval, Handoff: &parsed.Handoff}
		if err := tx.PutSettings(stored); err != nil {
			return err
		}
		if err := s.resight(tx, cur, ok, parsed.Pipeline); err != nil { // roles.go
			return err
		}
		res.Version = stored.Version
		return s.audit(ctx, tx, "settings set", fmt.Sprintf("version %d", stored.Version), settingsDiff(cur, ok, stored))
	})
	if err != nil {
		return SettingsResult{}, fmt.Errorf("set the company settings: %w", err)
	}
	if stored.Version > 0 {
		s.remember(stored)
	}
	return res, nil
}

// parseSettings checks text with the parser cmd handed in; ok is false
// when it has problems (in res).
func (s *Service) parseSettings(text string, res *SettingsResult) (ParsedSettings, bool, error) {
	if s.ParseSettings == nil {
		return ParsedSettings{}, false, errors.New("this server was started without the settings checker; run it with 'fieldcrm serve'")
	}
	if len(text) > MaxSettingsBytes {
		res.Problems = []SettingsProblem{{Message: fmt.Sprintf("the document is %d bytes; company settings may be at most %d", len(text), MaxSettingsBytes)}}
		return ParsedSettings{}, false, nil
	}
	parsed, problems, warnings := s.ParseSettings(text)
	res.Problems, res.Warnings = problems, warnings
	if len(parsed.Pipeline.Stages) == 0 {
		parsed.Pipeline = model.DefaultPipeline()
	}
	return parsed, len(problems) == 0, nil
}

// orphans finds the leads (in the trash too: a restore would bring them
// back) whose stage p lacks.
func orphans(tx Tx, p model.Pipeline, res *SettingsResult) error {
	return tx.EachRecord(model.EntityRef{Type: model.TypeLead}, func(ref model.EntityRef, rec *model.Record, bad error) (bool, error) {
		if ref.Type != model.TypeLead {
			return false, nil
		}
		if rec == nil {
			return true, nil // undecodable: admin check reports it
		}
		var l struct {
			Company string `json:"company"`
			Stage   string `json:"stage"`
			Deleted bool   `json:"deleted"`
		}
		if json.Unmarshal(model.EncodeFields(rec.Fields), &l) != nil || l.Stage == "" || p.Index(l.Stage) >= 0 {
			return true, nil
		}
		res.OrphanCount++
		if len(res.Orphans) < MaxOrphansShown {
			res.Orphans = append(res.Orphans, OrphanLead{ID: ref.ID, Company: l.Company, Stage: l.Stage, Trashed: l.Deleted})
		}
		return true, nil
	})
}

// settingsDiff says in the audit log what a version changed of the
// pipeline, and how big it is.
func settingsDiff(old StoredSettings, hadOld bool, now StoredSettings) string {
	detail := fmt.Sprintf("%d bytes; stages %s", len(now.Text), strings.Join(stageKeys(now.Stages), ","))
	if hadOld {
		var added, removed []string
		oldP, newP := storedPipeline(old), storedPipeline(now)
		for _, k := range newP.Keys() {
			if oldP.Index(k) < 0 {
				added = append(added, k)
			}
		}
		for _, k := range oldP.Keys() {
			if newP.Index(k) < 0 {
				removed = append(removed, k)
			}
		}
		if len(added) > 0 {
			detail += "; added " + strings.Join(added, ",")
		}
		if len(removed) > 0 {
			detail += "; removed " + strings.Join(removed, ",")
		}
	}
	return detail
}

// stageKeys lists st's keys, for the history.
func stageKeys(st []model.Stage) []string {
	out := make([]string, len(st))
	for i, s := range st {
		out[i] = s.Key
	}
	return out
}
