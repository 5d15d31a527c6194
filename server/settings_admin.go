package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/fieldcrm/fieldcrm/wire"
)

// The company settings over the admin socket (see AdminHandler) and to
// laptops (GET /v1/settings).

type settingsArgs struct {
	Version uint64 `json:"version,omitempty"`
	Text    string `json:"text,omitempty"`
}

// handleSettings adds the settings routes to the admin socket's mux.
func handleSettings(mux *http.ServeMux, a SettingsAdmin) {
	route(mux, "/admin/settings/show", func(ctx context.Context, s settingsArgs) (StoredSettings, error) {
		return a.ShowSettings(ctx, s.Version)
	})
	route(mux, "/admin/settings/set", func(ctx context.Context, s settingsArgs) (SettingsResult, error) {
		return a.SetSettings(ctx, s.Text)
	})
	route(mux, "/admin/settings/check", func(ctx context.Context, s settingsArgs) (SettingsResult, error) {
		return a.CheckSettings(ctx, s.Text)
	})
	route(mux, "/admin/settings/history", func(ctx context.Context, _ none) ([]SettingsVersion, error) {
		return a.SettingsHistory(ctx)
	})
}

// ShowSettings implements SettingsAdmin.
func (c *AdminClient) ShowSettings(ctx context.Context, v uint64) (StoredSettings, error) {
	var out StoredSettings
	err := c.callRepair(ctx, "/admin/settings/show", settingsArgs{Version: v}, &out)
	return out, err
}

// SetSettings implements SettingsAdmin.
func (c *AdminClient) SetSettings(ctx context.Context, text string) (SettingsResult, error) {
	var out SettingsResult
	err := c.callRepair(ctx, "/admin/settings/set", settingsArgs{Text: text}, &out)
	return out, err
}

// CheckSettings implements SettingsAdmin.
func (c *AdminClient) CheckSettings(ctx context.Context, text string) (SettingsResult, error) {
	var out SettingsResult
	err := c.callRepair(ctx, "/admin/settings/check", settingsArgs{Text: text}, &out)
	return out, err
}

// SettingsHistory implements SettingsAdmin.
func (c *AdminClient) SettingsHistory(ctx context.Context) ([]SettingsVersion, error) {
	var out []SettingsVersion
	err := c.callRepair(ctx, "/admin/settings/history", none{}, &out)
	return out, err
}

// SettingsETag is the ETag of a settings version.
func SettingsETag(v uint64) string { return `"` + strconv.FormatUint(v, 10) + `"` }

// settings answers GET /v1/settings: the newest version with its ETag,
// 304 when the client's If-None-Match names it already, 404 (code
// no_settings) when none is stored (laptops then keep their own file).
func (h *api) settings(w http.ResponseWriter, r *http.Request, _ User) {
	var st StoredSettings
	var ok, unchanged bool
	err := h.svc.Store.View(r.Context(), func(tx Tx) error {
		v, err := tx.SettingsVersion()
		if err != nil || v == 0 {
			return err
		}
		if etagMatches(r.Header.Get("If-None-Match"), SettingsETag(v)) {
			st, ok, unchanged = StoredSettings{Version: v}, true, true
			return nil
		}
		st, ok, err = tx.Settings(v)
		return err
	})
	switch {
	case err != nil:
		h.internal(w, r, err)
	case !ok:
		writeError(w, http.StatusNotFound, "no_settings", "the server has no company settings; laptops use their own config files")
	default:
		w.Header().Set("ETag", SettingsETag(st.Version))
		w.Header().Set("Cache-Control", "no-cache")
		if unchanged {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		writeJSON(w, http.StatusOK, wire.Settings{Version: st.Version, Text: st.Text})
	}
}

// namingSettings puts the newest settings version on next's answer
// (wire.SettingsHeader), so a laptop's sync asks for the document only
// when it changed. A failure to read it leaves the header out: the
// client then asks nothing this time.
func (h *api) namingSettings(next func(http.ResponseWriter, *http.Request, User)) func(http.ResponseWriter, *http.Request, User) {
	return func(w http.ResponseWriter, r *http.Request, u User) {
		var v uint64
		err := h.svc.Store.View(r.Context(), func(tx Tx) error {
			var err error
			v, err = tx.SettingsVersion()
			return err
		})
		if err == nil {
			w.Header().Set(wire.SettingsHeader, strconv.FormatUint(v, 10))
		}
		next(w, r, u)
	}
}

// etagMatches reports whether an If-None-Match header names etag.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		if t = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(t), "W/")); t == etag || t == "*" {
			return true
		}
	}
	return false
}
