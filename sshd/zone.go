package sshd

import (
	"strings"
	"time"
)

// zone picks a session's time zone, for its days (due today, overdue)
// and clock times: the zone its client's TZ names (OpenSSH sends it with
// SendEnv TZ or SetEnv TZ=Asia/Shanghai), when the zone database knows
// it, as "Asia/Shanghai" or ":Asia/Shanghai"; else nil, the server's own
// zone. A POSIX rule such as "CST-8" is not a zone name and is not read.
// time.LoadLocation refuses a name that climbs out of the database (a
// leading slash, ".."), so a client cannot name a file of the server's.
func zone(env []string) *time.Location {
	tz := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "TZ="); ok {
			tz = strings.TrimPrefix(v, ":")
		}
	}
	if tz == "" || tz == "Local" {
		return nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil
	}
	return loc
}
