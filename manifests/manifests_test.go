package manifests_test

import (
	"slices"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/handlers"
	"github.com/massperform/massperform/manifests"
)

// TestManifestMatchesCode checks the manifest against the code: every
// scope a called method needs is declared and no other (plus commands, for
// the slash command); the slash command, its escaping, Socket Mode,
// interactivity, the Home tab and its event are on.
func TestManifestMatchesCode(t *testing.T) {
	m, err := manifests.ParseSlackApp()
	if err != nil {
		t.Fatal(err)
	}
	need := map[string]bool{"commands": true}
	for _, method := range bot.Methods {
		for _, s := range method.Scopes {
			need[s] = true
		}
	}
	var want []string
	for s := range need {
		want = append(want, s)
	}
	sort.Strings(want)
	got := slices.Clone(m.OAuthConfig.Scopes.Bot)
	sort.Strings(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("bot scopes (-code needs +manifest declares):\n%s", diff)
	}

	r := bot.NewRouter("/perform")
	handlers.Register(r, handlers.Deps{})
	var cmds []string
	for _, c := range m.Features.SlashCommands {
		cmds = append(cmds, c.Command)
		if !c.ShouldEscape {
			t.Errorf("%s must have should_escape: the handlers read user mentions as <@U…>", c.Command)
		}
		if c.Description == "" || c.UsageHint == "" {
			t.Errorf("%s needs a description and a usage hint", c.Command)
		}
	}
	if diff := cmp.Diff([]string{r.Slash()}, cmds); diff != "" {
		t.Errorf("slash commands (-code +manifest):\n%s", diff)
	}
	if len(r.Commands()) == 0 {
		t.Error("no subcommands registered")
	}

	if !m.Settings.SocketModeEnabled || !m.Settings.Interactivity.IsEnabled || !m.Features.AppHome.HomeTabEnabled {
		t.Errorf("socket mode %v, interactivity %v, home tab %v: all must be on",
			m.Settings.SocketModeEnabled, m.Settings.Interactivity.IsEnabled, m.Features.AppHome.HomeTabEnabled)
	}
	if diff := cmp.Diff([]string{"app_home_opened"}, m.Settings.EventSubscriptions.BotEvents); diff != "" {
		t.Errorf("bot events (-want +got):\n%s", diff)
	}
}
