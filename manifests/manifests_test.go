package manifests_test

import (
	"slices"
	"sort"
	"strings"
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

// TestHTTPManifest: the http mode's manifest is the socket one with Socket
// Mode off and the request URLs the bot serves (bot.Paths) under the
// address given; a bad address is refused with what to give instead.
func TestHTTPManifest(t *testing.T) {
	data, err := manifests.SlackAppFor("http", "https://hr.example.org/massperform/")
	if err != nil {
		t.Fatal(err)
	}
	got, err := manifests.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if got.Settings.SocketModeEnabled {
		t.Error("socket_mode_enabled is still on")
	}
	base := "https://hr.example.org/massperform"
	urls := []string{got.Features.SlashCommands[0].URL, got.Settings.Interactivity.RequestURL, got.Settings.EventSubscriptions.RequestURL}
	var want []string
	for _, p := range bot.Paths {
		want = append(want, base+p)
	}
	if diff := cmp.Diff(want, urls); diff != "" {
		t.Errorf("request URLs (-the bot serves +the manifest says):\n%s", diff)
	}
	// Everything else is the socket manifest's.
	socket, err := manifests.ParseSlackApp()
	if err != nil {
		t.Fatal(err)
	}
	got.Settings.SocketModeEnabled = true
	got.Features.SlashCommands[0].URL, got.Settings.Interactivity.RequestURL, got.Settings.EventSubscriptions.RequestURL = "", "", ""
	if diff := cmp.Diff(socket, got); diff != "" {
		t.Errorf("the http manifest differs from the socket one in more than its mode (-socket +http):\n%s", diff)
	}
	if same, err := manifests.SlackAppFor("socket", ""); err != nil || string(same) != string(manifests.SlackApp) {
		t.Errorf("socket mode: %v, or not slack-app.yaml", err)
	}

	for _, tt := range []struct{ mode, url, want string }{
		{"http", "", "needs --url"},
		{"http", "http://hr.example.org", "not an https:// address"},
		{"http", "hr.example.org", "not an https:// address"},
		{"http", "https://hr.example.org/?x=1", "more than a host and a path"},
		{"socket", "https://hr.example.org", "--url is for --mode http"},
		{"webhook", "", "not a mode"},
	} {
		if _, err := manifests.SlackAppFor(tt.mode, tt.url); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("--mode %s --url %q: %v, want it to say %q", tt.mode, tt.url, err, tt.want)
		}
	}
}
