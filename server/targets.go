package server

import (
	"encoding/json"
	"strings"

	"github.com/fieldcrm/fieldcrm/model"
)

// Targets (model.Target) are not under a lead. Each is logged under the
// pseudo-lead "target:<user>", which is made visible to that user when the
// target is created, so pulls carry a rep's own targets and a manager's
// all of them, through the same visibility index as leads.

// targetLead is the pseudo-lead a target of user is logged under.
func targetLead(user string) string { return "target:" + user }

// authoriseTarget checks a target op: everyone may set their own targets;
// only a manager may set, change or delete another user's. A target's
// user never changes (its id is derived from it). It returns the
// pseudo-lead to log the op under.
func (s *Service) authoriseTarget(tx Tx, u User, op model.Op, rec *model.Record, exists bool) (string, error) {
	var user string
	if exists {
		_ = json.Unmarshal(rec.Fields["user"], &user)
	}
	if v, ok := op.Fields["user"]; ok {
		var named string
		if json.Unmarshal(v, &named) != nil || named == "" {
			return "", reject("a target must name its user")
		}
		if exists && user != "" && named != user {
			return "", reject("a target's user cannot change; set a target for %s instead", named)
		}
		user = named
	}
	if user == "" {
		return "", reject("a new target must name its user")
	}
	if u.Role != RoleManager && user != u.Name {
		if !exists {
			return "", reject("only a manager can set another user's target (%s)", user)
		}
		return "", reject("target %s does not exist on the server, or you may not see it", op.Entity.ID)
	}
	return targetLead(user), nil
}

// targetUser is the user whose targets are logged under pseudo-lead lead.
func targetUser(lead string) string { return strings.TrimPrefix(lead, "target:") }
