package handlers

import (
	"regexp"
	"strings"
)

// mention matches an escaped user mention as Slack sends it in a slash
// command's text: <@U123ABC> or <@U123ABC|name>.
var mention = regexp.MustCompile(`^<@([UW][A-Z0-9]{2,})(?:\|([^>]*))?>$`)

// parseUser reads the person a command is about from its argument: a user
// mention. It returns the Slack user ID and the name Slack gave with it.
func parseUser(arg string) (id, name string, ok bool) {
	arg = strings.TrimSpace(arg)
	if f := strings.Fields(arg); len(f) > 0 {
		arg = f[0]
	}
	m := mention.FindStringSubmatch(arg)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}
