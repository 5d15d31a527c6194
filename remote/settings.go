package remote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/wire"
)

// maxSettingsAnswer bounds the settings document read from the server
// (it stores at most server.MaxSettingsBytes of text).
const maxSettingsAnswer = 1 << 20

// syncSettings brings the book's copy of the company settings up to the
// server's when the sync's pulls named a version other than the book's
// (wire.SettingsHeader): then a GET /v1/settings naming the version the
// book has, so a document that did not change after all costs a 304 and
// no body. A server that names none (older than the settings) costs no
// request; one that has none (404) leaves the book's copy alone.
func syncSettings(ctx context.Context, st *store.Store, c *Client) error {
	named, ok := c.namedSettings()
	if !ok {
		return nil
	}
	var have store.CompanySettings
	err := st.View(func(tx *store.Tx) error {
		cs, ok, err := tx.CompanySettings()
		if ok && cs.Server == c.Server() {
			have = cs
		}
		return err
	})
	if err != nil || named == have.Version || named == 0 {
		return err
	}
	got, changed, err := c.Settings(ctx, have.Version)
	if err != nil || !changed {
		return err
	}
	return st.Update(func(tx *store.Tx) error {
		return tx.SetCompanySettings(store.CompanySettings{Version: got.Version, Text: got.Text, Server: c.Server(), Fetched: time.Now().UTC()})
	})
}

// noteSettings keeps the settings version an answer names.
func (c *Client) noteSettings(h http.Header) {
	if v, err := strconv.ParseUint(h.Get(wire.SettingsHeader), 10, 63); err == nil {
		c.settings.Store(int64(v) + 1)
	}
}

// namedSettings returns the settings version the server last named; ok
// is false when it named none.
func (c *Client) namedSettings() (uint64, bool) {
	v := c.settings.Load()
	return uint64(v - 1), v > 0
}

// Settings fetches the company settings unless the server's version is
// have (then changed is false: a 304); a server without any answers
// changed false too.
func (c *Client) Settings(ctx context.Context, have uint64) (doc wire.Settings, changed bool, err error) {
	u := *c.base
	u.Path = c.base.Path + "/v1/settings"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return doc, false, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if have > 0 {
		req.Header.Set("If-None-Match", `"`+strconv.FormatUint(have, 10)+`"`)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return doc, false, &OfflineError{err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxSettingsAnswer+1))
	if err != nil {
		return doc, false, &OfflineError{fmt.Errorf("read the answer: %w", err)}
	}
	switch resp.StatusCode {
	case http.StatusNotModified, http.StatusNotFound:
		return doc, false, nil
	case http.StatusOK:
	default:
		var eb wire.ErrorBody
		_ = json.Unmarshal(data, &eb)
		if eb.Message == "" {
			eb = wire.ErrorBody{Code: "http", Message: resp.Status}
		}
		return doc, false, &APIError{Status: resp.StatusCode, Code: eb.Code, Message: eb.Message}
	}
	if len(data) > maxSettingsAnswer {
		return doc, false, fmt.Errorf("the server's company settings are larger than %d bytes", maxSettingsAnswer)
	}
	if err := json.Unmarshal(data, &doc); err != nil || doc.Version == 0 {
		return doc, false, errors.New("the server's company settings are not a settings document")
	}
	return doc, doc.Version != have, nil
}
