package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// CompanySettings is the company settings document of the server this
// book syncs with, as last fetched (GET /v1/settings): cmd/fieldcrm uses
// it over the laptop's config file while logged in to that server. The
// book keeps it so that it holds offline and from the first start after
// a sync.
type CompanySettings struct {
	Version uint64    `json:"version"`
	Text    string    `json:"text"`
	Server  string    `json:"server"` // the server it came from (remote.Client.Server)
	Fetched time.Time `json:"fetched"`
}

// keyCompanySettings holds JSON CompanySettings in the meta bucket.
var keyCompanySettings = []byte("company_settings")

// CompanySettings returns the stored company settings; ok is false when
// the book has none.
func (tx *Tx) CompanySettings() (cs CompanySettings, ok bool, err error) {
	meta := tx.tx.Bucket(bucketMeta)
	if meta == nil {
		return cs, false, nil
	}
	data := meta.Get(keyCompanySettings)
	if data == nil {
		return cs, false, nil
	}
	if err := json.Unmarshal(data, &cs); err != nil {
		return cs, false, fmt.Errorf("company settings in the book: %w", err)
	}
	return cs, true, nil
}

// SetCompanySettings stores the company settings fetched from the server.
func (tx *Tx) SetCompanySettings(cs CompanySettings) error {
	data, err := json.Marshal(cs)
	if err != nil {
		return err
	}
	return tx.tx.Bucket(bucketMeta).Put(keyCompanySettings, data)
}
