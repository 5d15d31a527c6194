package wire

// SettingsHeader on a pull's answer names the newest version of the
// company settings ("0": none stored), so a client asks GET /v1/settings
// only when it differs from the version it has.
const SettingsHeader = "Fieldcrm-Settings"

// Settings answers GET /v1/settings: the newest company settings
// document (TOML, the config file's company sections) and its version,
// which is also the answer's ETag ("VERSION").
type Settings struct {
	Version uint64 `json:"version"`
	Text    string `json:"text"`
}
