package manifests_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/massperform/massperform/manifests"
)

// schemaDir is the vendored copy of Slack's manifest schema.
const schemaDir = "testdata/slack-manifest-schema"

// slackSchema compiles Slack's schema for version 1 manifests.
func slackSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	path := filepath.Join(schemaDir, "manifest.schema.1.0.0.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The steering copy, when the repository has it beside it, must be
	// the one vendored here.
	if shared, err := os.ReadFile(filepath.Join("..", "..", "shared", "slack-manifest-schema", "manifest.schema.1.0.0.json")); err == nil && !bytes.Equal(shared, data) {
		t.Errorf("%s differs from ../shared/slack-manifest-schema's: copy it again", path)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.UseRegexpEngine(ecmaRegexp)
	if err := c.AddResource("manifest.schema.1.0.0.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("manifest.schema.1.0.0.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// asJSON turns a YAML manifest into the JSON value the schema describes.
func asJSON(t *testing.T, manifest []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(manifest, &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestManifestsMatchSlackSchema validates both manifests against Slack's
// published schema, and checks the schema refuses what Slack would.
func TestManifestsMatchSlackSchema(t *testing.T) {
	s := slackSchema(t)
	httpApp, err := manifests.SlackAppFor("http", "https://massperform.example.org")
	if err != nil {
		t.Fatal(err)
	}
	for name, m := range map[string][]byte{"socket": manifests.SlackApp, "http": httpApp} {
		t.Run(name, func(t *testing.T) {
			if err := s.Validate(asJSON(t, m)); err != nil {
				t.Errorf("Slack's schema refuses the %s manifest: %v", name, err)
			}
		})
	}
	// The validator is not a yes-sayer: a request URL that is no URL and
	// a setting Slack does not know are refused.
	for name, bad := range map[string]string{
		"request url without a scheme": strings.Replace(string(httpApp), "https://massperform.example.org/slack/events", "massperform.example.org/slack/events", 1),
		"an unknown setting":           strings.Replace(string(manifests.SlackApp), "socket_mode_enabled: true", "socket_mode_enabled: true\n  socket_mode: on", 1),
	} {
		t.Run(name, func(t *testing.T) {
			if err := s.Validate(asJSON(t, []byte(bad))); err == nil {
				t.Errorf("the schema took a manifest with %s", name)
			}
		})
	}
}

// ecmaRegexp compiles the schema's patterns, which are ECMAScript's: Go's
// regexp takes them all but the domain patterns' leading negative
// lookahead, ^(?![.-])…, "not starting with . or -", which it checks
// itself.
func ecmaRegexp(pattern string) (jsonschema.Regexp, error) {
	if rest, ok := strings.CutPrefix(pattern, `^(?![\.\-])`); ok {
		re, err := regexp.Compile("^" + rest)
		if err != nil {
			return nil, err
		}
		return notLeading{re: re, pattern: pattern}, nil
	}
	return regexp.Compile(pattern)
}

type notLeading struct {
	re      *regexp.Regexp
	pattern string
}

func (n notLeading) MatchString(s string) bool {
	return !strings.HasPrefix(s, ".") && !strings.HasPrefix(s, "-") && n.re.MatchString(s)
}

func (n notLeading) String() string { return n.pattern }
