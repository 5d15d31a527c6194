package server

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/jackc/pgx/v5"
	bolt "go.etcd.io/bbolt"
)

// SettingsTx on PostgreSQL: the settings table (schema migration 7; its
// rules column, migration 9), one row per version. Writing transactions take turns on the log's head row
// (postgres.go), so two servers storing a version at once store the next
// numbers one after the other (TestSettingsSetAtOnce); the primary key
// would refuse a second row with one number anyway.

func (t *pgTx) SettingsVersion() (uint64, error) {
	if err := t.flush(); err != nil {
		return 0, err
	}
	var v int64
	err := t.tx.QueryRow(t.ctx, `SELECT coalesce(max(version), 0) FROM settings`).Scan(&v)
	return uint64(v), wrap(err, "read the settings' version")
}

func (t *pgTx) Settings(v uint64) (StoredSettings, bool, error) {
	var st StoredSettings
	if err := t.flush(); err != nil {
		return st, false, err
	}
	var stages, rules []byte
	var version int64
	err := t.tx.QueryRow(t.ctx, `SELECT version, text, at, by_whom, stages, rules FROM settings
		WHERE version = $1 OR ($1 = 0 AND version = (SELECT max(version) FROM settings))`, int64(v)).
		Scan(&version, &st.Text, &st.At, &st.By, &stages, &rules)
	if errors.Is(err, pgx.ErrNoRows) {
		return st, false, nil
	}
	if err != nil {
		return st, false, wrap(err, "read the company settings")
	}
	st.Version, st.At = uint64(version), st.At.UTC()
	if err := json.Unmarshal(stages, &st.Stages); err != nil {
		return st, false, fmt.Errorf("company settings version %d: %w", version, err)
	}
	if rules != nil {
		var r settingsRules
		if err := json.Unmarshal(rules, &r); err != nil {
			return st, false, fmt.Errorf("company settings version %d: %w", version, err)
		}
		st.Approval, st.Handoff = r.Approval, r.Handoff
	}
	return st, true, nil
}

// settingsRules is the rules column: a version's approval and hand-off
// rules.
type settingsRules struct {
	Approval *model.ApprovalRules `json:"approval,omitempty"`
	Handoff  *model.HandoffRules  `json:"handoff,omitempty"`
}

// rulesColumn is st's rules column: NULL when it has none.
func rulesColumn(st StoredSettings) ([]byte, error) {
	if st.Approval == nil && st.Handoff == nil {
		return nil, nil
	}
	return json.Marshal(settingsRules{Approval: st.Approval, Handoff: st.Handoff})
}

func (t *pgTx) PutSettings(st StoredSettings) error {
	cur, err := t.SettingsVersion()
	if err != nil {
		return err
	}
	if st.Version != cur+1 {
		return fmt.Errorf("company settings: version %d follows %d, not %d", st.Version, cur+1, cur)
	}
	stages, err := json.Marshal(st.Stages)
	if err != nil {
		return err
	}
	rules, err := rulesColumn(st)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(t.ctx, `INSERT INTO settings (version, text, at, by_whom, stages, rules) VALUES ($1, $2, $3, $4, $5, $6)`,
		int64(st.Version), st.Text, st.At, st.By, stages, rules)
	return wrap(err, "write the company settings")
}

func (t *pgTx) SettingsHistory() ([]SettingsVersion, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	rows, _ := t.tx.Query(t.ctx, `SELECT version, at, by_whom, stages, octet_length(text) FROM settings ORDER BY version`)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (SettingsVersion, error) {
		var sv SettingsVersion
		var version int64
		var stages []byte
		if err := r.Scan(&version, &sv.At, &sv.By, &stages, &sv.Bytes); err != nil {
			return sv, err
		}
		var st []model.Stage
		err := json.Unmarshal(stages, &st)
		sv.Version, sv.At, sv.Stages = uint64(version), sv.At.UTC(), stageKeys(st)
		return sv, err
	})
	return out, wrap(err, "list the company settings' versions")
}

// copySettings copies every version of a bbolt server's company settings
// into PostgreSQL, for MigrateBoltToPostgres.
func copySettings(btx *bolt.Tx, copyRows func(table string, cols []string, rows [][]any) (int, error)) error {
	b := btx.Bucket(bSettings)
	if b == nil {
		return nil
	}
	var rows [][]any
	err := b.ForEach(func(_, v []byte) error {
		var st StoredSettings
		if err := json.Unmarshal(v, &st); err != nil {
			return fmt.Errorf("company settings: %w", err)
		}
		stages, err := json.Marshal(st.Stages)
		if err != nil {
			return err
		}
		rules, err := rulesColumn(st)
		rows = append(rows, []any{int64(st.Version), st.Text, st.At, st.By, stages, rules})
		return err
	})
	if err != nil {
		return err
	}
	_, err = copyRows("settings", []string{"version", "text", "at", "by_whom", "stages", "rules"}, rows)
	return err
}
