// Package config reads fieldcrm's config file (TOML under the XDG config
// home) and works out the paths and settings every command uses.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/adrg/xdg"
	"github.com/fieldcrm/fieldcrm/model"
)

// Config is the effective configuration: the file's settings over the
// defaults.
type Config struct {
	// User is who writes on this device (owner of new leads).
	User string `toml:"user"`
	// Lang is the UI language: "en" or "zh".
	Lang string `toml:"lang"`
	// TimeZone names the zone for due days ("Asia/Shanghai"); empty: local.
	TimeZone string `toml:"time_zone"`
	// Server and Token are set by `fieldcrm login`.
	Server string `toml:"server,omitempty"`
	Token  string `toml:"token,omitempty"`

	Stages             []model.Stage              `toml:"stages,omitempty"`
	Screening          []model.ScreeningCriterion `toml:"screening,omitempty"`
	ScreeningThreshold int                        `toml:"screening_threshold,omitempty"`
	ReturnVisitDays    int                        `toml:"return_visit_days,omitempty"`
	// Templates are note templates for visits, by stage key.
	Templates map[string]string `toml:"templates,omitempty"`
	// Keys remaps UI keys: action name to keys.
	Keys map[string][]string `toml:"keys,omitempty"`
	// Commission is how salespeople's commission is estimated.
	Commission Commission `toml:"commission,omitzero"`
	// Approval and Handoff are the approval rules and the hand-off on won.
	Approval Approval `toml:"approval,omitzero"`
	Handoff  Handoff  `toml:"handoff,omitzero"`
	// Extra holds settings of later features, kept when the file is saved.
	Extra map[string]any `toml:"-"`
	// Warnings are settings the file has that this build does not know
	// (a typo, or a setting of a newer version), each naming its line.
	Warnings []string `toml:"-"`

	// Path is the file this was read from (it may not exist).
	Path string `toml:"-"`
	// CompanyVersion is the version of the server's company settings
	// in force over the file's company sections (WithCompany); 0: none.
	CompanyVersion uint64 `toml:"-"`
	// file is the config as the file has it, under the company's
	// settings: Save writes its company sections back, not the
	// company's.
	file *Config
}

// DefaultPath is the config file under the XDG config home.
func DefaultPath() string {
	return filepath.Join(xdg.ConfigHome, "fieldcrm", "config.toml")
}

// DefaultDBPath is the database under the XDG data home.
func DefaultDBPath() string {
	return filepath.Join(xdg.DataHome, "fieldcrm", "fieldcrm.db")
}

// DemoDBPath is the demo database, apart from the user's own.
func DemoDBPath() string {
	return filepath.Join(xdg.DataHome, "fieldcrm", "demo.db")
}

// Load reads the config file at path (DefaultPath when empty). A missing
// file gives the defaults. A bad file gives the defaults and an error that
// names the line and the problem, so the caller can warn and still start.
func Load(path string) (*Config, error) {
	if path == "" {
		path = DefaultPath()
	}
	c := &Config{Path: path}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("read config %s: %w", path, err)
	}
	file, problems := Parse(string(data))
	if len(problems) > 0 {
		return c, fmt.Errorf("config %s %s", path, problems[0])
	}
	file.Path = path
	return file, nil
}

// Rules returns the model rules this configuration sets.
func (c *Config) Rules() model.Rules {
	r := model.DefaultRules()
	if len(c.Stages) > 0 {
		r.Pipeline = model.Pipeline{Stages: c.Stages}
		for i, s := range r.Pipeline.Stages {
			if s.Key == model.StageWon || s.Key == model.StageLost {
				r.Pipeline.Stages[i].Terminal = true
			}
		}
	}
	if len(c.Screening) > 0 {
		r.Screening = c.Screening
	}
	if c.ScreeningThreshold > 0 {
		r.ScreeningThreshold = c.ScreeningThreshold
	}
	if c.ReturnVisitDays > 0 {
		r.ReturnVisitDays = c.ReturnVisitDays
	}
	if c.TimeZone != "" {
		if loc, err := time.LoadLocation(c.TimeZone); err == nil {
			r.Location = loc
		}
	}
	r.Approval, r.Handoff = c.Approval.Rules(), c.Handoff.Rules()
	return r
}

// Save writes the config file with mode 0600 (it may hold a token),
// atomically: a crash leaves the old file or the new one, never half.
func (c *Config) Save() error {
	path := c.Path
	if path == "" {
		path = DefaultPath()
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".config-*.toml")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	save := c
	if c.file != nil {
		own := *c.file
		own.User, own.Lang, own.TimeZone, own.Server, own.Token, own.Keys = c.User, c.Lang, c.TimeZone, c.Server, c.Token, c.Keys
		save = &own
	}
	if err := toml.NewEncoder(tmp).Encode(save); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Language picks the UI language: the flag, then FIELDCRM_LANG, then the
// config file, then LC_ALL and LANG; "zh" for any Chinese locale, else "en".
func Language(flag string, c *Config) string {
	for _, v := range []string{flag, os.Getenv("FIELDCRM_LANG"), c.Lang, os.Getenv("LC_ALL"), os.Getenv("LANG")} {
		if v == "" {
			continue
		}
		if strings.HasPrefix(strings.ToLower(v), "zh") {
			return "zh"
		}
		return "en"
	}
	return "en"
}
