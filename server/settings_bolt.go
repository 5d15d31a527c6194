package server

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
)

// The settings bucket of the server's bbolt file, made by the first
// version stored:
//
//	settings/<version>  JSON StoredSettings; version uint64 big-endian
var bSettings = []byte("settings")

func (t *boltTx) SettingsVersion() (uint64, error) {
	b := t.tx.Bucket(bSettings)
	if b == nil {
		return 0, nil
	}
	k, _ := b.Cursor().Last()
	if len(k) != 8 {
		return 0, nil
	}
	return binary.BigEndian.Uint64(k), nil
}

func (t *boltTx) Settings(v uint64) (StoredSettings, bool, error) {
	var st StoredSettings
	b := t.tx.Bucket(bSettings)
	if b == nil {
		return st, false, nil
	}
	var data []byte
	if v == 0 {
		_, data = b.Cursor().Last()
	} else {
		data = b.Get(be(v))
	}
	if data == nil {
		return st, false, nil
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return st, false, fmt.Errorf("company settings: %w", err)
	}
	return st, true, nil
}

func (t *boltTx) PutSettings(st StoredSettings) error {
	cur, err := t.SettingsVersion()
	if err != nil {
		return err
	}
	if st.Version != cur+1 {
		return fmt.Errorf("company settings: version %d follows %d, not %d", st.Version, cur+1, cur)
	}
	b, err := t.bucketW(bSettings)
	if err != nil {
		return err
	}
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return b.Put(be(st.Version), data)
}

func (t *boltTx) SettingsHistory() ([]SettingsVersion, error) {
	var out []SettingsVersion
	b := t.tx.Bucket(bSettings)
	if b == nil {
		return out, nil
	}
	err := b.ForEach(func(_, v []byte) error {
		var st StoredSettings
		if err := json.Unmarshal(v, &st); err != nil {
			return fmt.Errorf("company settings: %w", err)
		}
		out = append(out, SettingsVersion{Version: st.Version, At: st.At, By: st.By, Stages: stageKeys(st.Stages), Bytes: len(st.Text)})
		return nil
	})
	return out, err
}
