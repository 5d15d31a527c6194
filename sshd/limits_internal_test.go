package sshd

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/i18n"
)

// TestRefusalsNameTheBounds: the sentences that refuse a session name
// the bounds as they are, in both languages.
func TestRefusalsNameTheBounds(t *testing.T) {
	for _, lang := range []string{i18n.EN, i18n.ZH} {
		if s := tr(lang, "ssh.refused.env"); !strings.Contains(s, fmt.Sprint(maxEnvRequests)) {
			t.Errorf("%s: %q does not say %d", lang, s, maxEnvRequests)
		}
		if s := tr(lang, "ssh.refused.long_cmd"); !strings.Contains(s, fmt.Sprint(maxCommand)) {
			t.Errorf("%s: %q does not say %d", lang, s, maxCommand)
		}
		for k := range keptEnv {
			if s := tr(lang, "ssh.refused.env"); !strings.Contains(s, k) {
				t.Errorf("%s: %q does not name %s", lang, s, k)
			}
		}
	}
}
