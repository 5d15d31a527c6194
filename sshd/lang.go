package sshd

import (
	"strings"

	"github.com/fieldcrm/fieldcrm/i18n"
)

// language picks a session's language from the environment its client
// sent (OpenSSH sends LANG and LC_* where its config says SendEnv, as
// Debian's and Fedora's do): $FIELDCRM_LANG, then $LC_ALL, $LC_MESSAGES
// and $LANG, as a laptop reads its own; English when none is sent. The
// server has no language of the user's to fall back on: a laptop's
// "lang" setting stays in its own config file.
func language(env []string) string {
	vars := map[string]string{}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	for _, k := range []string{"FIELDCRM_LANG", "LC_ALL", "LC_MESSAGES", "LANG"} {
		v := vars[k]
		if v == "" || v == "C" || v == "POSIX" {
			continue
		}
		if strings.HasPrefix(strings.ToLower(v), "zh") {
			return i18n.ZH
		}
		return i18n.EN
	}
	return i18n.EN
}

// tr is a message in lang.
func tr(lang, key string) string { return i18n.T(lang, key) }

// inBoth is a message in English, then Chinese, for a client whose
// language is not known where it is said.
func inBoth(key string) string { return tr(i18n.EN, key) + " " + tr(i18n.ZH, key) }
