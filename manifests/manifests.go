// Package manifests holds what it takes to deploy MassPerform: the Slack
// app manifest (printed by `massperform manifest`) and, in kubernetes/,
// a Deployment of two replicas or more on a shared PostgreSQL.
package manifests

import (
	_ "embed"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// SlackApp is the Slack app manifest, as YAML.
//
//go:embed slack-app.yaml
var SlackApp []byte

// Manifest is the part of the Slack app manifest the code checks itself
// against.
type Manifest struct {
	Features struct {
		SlashCommands []struct {
			Command      string `yaml:"command"`
			Description  string `yaml:"description"`
			UsageHint    string `yaml:"usage_hint"`
			ShouldEscape bool   `yaml:"should_escape"`
		} `yaml:"slash_commands"`
		AppHome struct {
			HomeTabEnabled bool `yaml:"home_tab_enabled"`
		} `yaml:"app_home"`
	} `yaml:"features"`
	OAuthConfig struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		EventSubscriptions struct {
			BotEvents []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
		Interactivity struct {
			IsEnabled bool `yaml:"is_enabled"`
		} `yaml:"interactivity"`
		SocketModeEnabled bool `yaml:"socket_mode_enabled"`
	} `yaml:"settings"`
}

// ParseSlackApp reads the embedded manifest.
func ParseSlackApp() (Manifest, error) {
	var m Manifest
	if err := yaml.Unmarshal(SlackApp, &m); err != nil {
		return m, fmt.Errorf("parse slack-app.yaml: %w", err)
	}
	return m, nil
}
