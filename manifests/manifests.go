// Package manifests holds what it takes to deploy MassPerform: the Slack
// app manifest (printed by `massperform manifest`) and, in kubernetes/,
// a Deployment of two replicas or more on a shared PostgreSQL.
package manifests

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"net/url"
	"strings"

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
			URL          string `yaml:"url"`
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
			RequestURL string   `yaml:"request_url"`
			BotEvents  []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
		Interactivity struct {
			IsEnabled  bool   `yaml:"is_enabled"`
			RequestURL string `yaml:"request_url"`
		} `yaml:"interactivity"`
		SocketModeEnabled bool `yaml:"socket_mode_enabled"`
	} `yaml:"settings"`
}

// ParseSlackApp reads the embedded manifest.
func ParseSlackApp() (Manifest, error) { return Parse(SlackApp) }

// Parse reads a manifest (SlackApp, or SlackAppFor's).
func Parse(data []byte) (Manifest, error) {
	var m Manifest
	if err := yaml.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("parse the Slack app manifest: %w", err)
	}
	return m, nil
}

// Modes the Slack app is reached in, as massperform's SLACK_MODE names them.
const (
	ModeSocket = "socket"
	ModeHTTP   = "http"
)

// Request URL paths, under the base URL Slack reaches the bot at (the bot
// serves the same paths: bot.Paths).
const (
	CommandsPath      = "/slack/commands"
	InteractivityPath = "/slack/interactivity"
	EventsPath        = "/slack/events"
)

// SlackAppFor returns the Slack app manifest for a mode: SlackApp as it is
// for socket, and for http the same app with Socket Mode off and Slack's
// request URLs under base (https://host[/prefix], where the bot's
// /slack/… paths are reached).
func SlackAppFor(mode, base string) ([]byte, error) {
	switch mode {
	case ModeSocket, "":
		if base != "" {
			return nil, errors.New("--url is for --mode http: a Socket Mode app has no request URLs")
		}
		return SlackApp, nil
	case ModeHTTP:
	default:
		return nil, fmt.Errorf("%q is not a mode: use socket or http", mode)
	}
	u, err := url.Parse(base)
	switch {
	case base == "":
		return nil, errors.New("--mode http needs --url, the https:// address Slack reaches the bot at, like https://massperform.example.org")
	case err != nil || u.Host == "" || u.Scheme != "https":
		return nil, fmt.Errorf("%q is not an https:// address: Slack posts only to https://host[/path]", base)
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return nil, fmt.Errorf("%q has more than a host and a path: give the address the bot's /slack/… paths are under", base)
	}
	base = strings.TrimRight(base, "/")
	var doc yaml.Node
	if err := yaml.Unmarshal(SlackApp, &doc); err != nil {
		return nil, fmt.Errorf("parse slack-app.yaml: %w", err)
	}
	root := doc.Content[0]
	settings := mapping(root, "settings")
	set(settings, "socket_mode_enabled", "false", "!!bool")
	set(mapping(settings, "interactivity"), "request_url", base+InteractivityPath, "!!str")
	set(mapping(settings, "event_subscriptions"), "request_url", base+EventsPath, "!!str")
	cmds := value(mapping(root, "features"), "slash_commands")
	if cmds == nil || cmds.Kind != yaml.SequenceNode {
		return nil, errors.New("slack-app.yaml has no slash_commands")
	}
	for _, c := range cmds.Content {
		set(c, "url", base+CommandsPath, "!!str")
	}
	doc.HeadComment = "The Slack app manifest for MassPerform in http mode (SLACK_MODE=http): Slack posts to\n" +
		base + "/slack/…, signed with the app's signing secret (SLACK_SIGNING_SECRET).\n" +
		"Create the app from it at https://api.slack.com/apps → Create New App → From an app manifest."
	root.HeadComment = ""
	if len(root.Content) > 0 {
		root.Content[0].HeadComment = ""
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// value returns the value of key in mapping node m, or nil.
func value(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// mapping returns the mapping under key in m, adding an empty one if none.
func mapping(m *yaml.Node, key string) *yaml.Node {
	if v := value(m, key); v != nil {
		return v
	}
	v := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
	return v
}

// set sets key in mapping m to a scalar.
func set(m *yaml.Node, key, val, tag string) {
	if v := value(m, key); v != nil {
		v.Kind, v.Tag, v.Value, v.Content = yaml.ScalarNode, tag, val, nil
		return
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key},
		&yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: val})
}
