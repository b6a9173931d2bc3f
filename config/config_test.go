package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func envOf(m map[string]string) Getenv { return func(k string) string { return m[k] } }

func TestLoad(t *testing.T) {
	ok := map[string]string{"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_APP_TOKEN": "xapp-1-A1-2-def"}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range ok {
			m[a] = b
		}
		m[k] = v
		return m
	}
	tests := []struct {
		name    string
		env     map[string]string
		need    Need
		wantVar string
	}{
		{"all good", ok, NeedSlack, ""},
		{"no bot token", with("SLACK_BOT_TOKEN", ""), NeedSlack, "SLACK_BOT_TOKEN"},
		{"user token as bot token", with("SLACK_BOT_TOKEN", "xoxp-123"), NeedSlack, "SLACK_BOT_TOKEN"},
		{"no app token", with("SLACK_APP_TOKEN", ""), NeedSlack, "SLACK_APP_TOKEN"},
		{"bot token as app token", with("SLACK_APP_TOKEN", "xoxb-1"), NeedSlack, "SLACK_APP_TOKEN"},
		{"tokens not needed to migrate", map[string]string{}, NeedDatabase, ""},
		{"bad zone", with("ORG_TIMEZONE", "Boston"), NeedSlack, "ORG_TIMEZONE"},
		{"bad channel", with("HR_CHANNEL", "#hr"), NeedSlack, "HR_CHANNEL"},
		{"bad level", with("LOG_LEVEL", "loud"), NeedSlack, "LOG_LEVEL"},
		{"bad api url", with("SLACK_API_URL", "slack.com/api"), NeedSlack, "SLACK_API_URL"},
		{"misspelt database scheme", with("DATABASE_URL", "postgress://db/x"), NeedSlack, "DATABASE_URL"},
		{"sqlite path", with("DATABASE_URL", "/var/lib/massperform/data.db"), NeedSlack, ""},
		{"HR users by id and email", with("HR_USERS", "U0HR, hr@example.org ,"), NeedSlack, ""},
		{"HR user by name", with("HR_USERS", "U0HR,Hana"), NeedSlack, "HR_USERS"},
		{"the older scale", with("RATING_SCALE", "ACES"), NeedSlack, ""},
		{"a nudge schedule", with("NUDGE_SCHEDULE", "0 9-16 * * 1-5"), NeedSlack, ""},
		{"a bad nudge schedule", with("NUDGE_SCHEDULE", "hourly"), NeedSlack, "NUDGE_SCHEDULE"},
		{"a pool size", with("DATABASE_MAX_CONNS", "12"), NeedSlack, ""},
		{"no pool", with("DATABASE_MAX_CONNS", "0"), NeedSlack, "DATABASE_MAX_CONNS"},
		{"a pool in words", with("DATABASE_MAX_CONNS", "eight"), NeedSlack, "DATABASE_MAX_CONNS"},
		{"holidays", with("HOLIDAYS", "2026-12-24,2026-12-31"), NeedSlack, ""},
		{"a bad digest schedule", with("DIGEST_SCHEDULE", "mondays"), NeedSlack, "DIGEST_SCHEDULE"},
		{"a bad holiday", with("HOLIDAYS", "2026-12-24,Dec 31"), NeedSlack, "HOLIDAYS"},
		{"an unknown scale", with("RATING_SCALE", "stars"), NeedSlack, "RATING_SCALE"},
		{"a June deadline", with("REFLECTION_DEADLINE", "06-20"), NeedSlack, ""},
		{"a deadline outside June", with("REFLECTION_DEADLINE", "07-01"), NeedSlack, "REFLECTION_DEADLINE"},
		{"a deadline that is no date", with("REFLECTION_DEADLINE", "June 15"), NeedSlack, "REFLECTION_DEADLINE"},
		{"a rehearsal", with("REHEARSAL", "true"), NeedSlack, ""},
		{"an HTTP address", with("HTTP_ADDR", ":9090"), NeedSlack, ""},
		{"no HTTP listener", with("HTTP_ADDR", "off"), NeedSlack, ""},
		{"an HTTP address without a port", with("HTTP_ADDR", "localhost"), NeedSlack, "HTTP_ADDR"},
		{"not a rehearsal", with("REHEARSAL", "false"), NeedSlack, ""},
		{"a rehearsal maybe", with("REHEARSAL", "sometimes"), NeedSlack, "REHEARSAL"},
		{"seven years of messages", with("RETENTION_PAYLOAD_DAYS", "2555"), NeedSlack, ""},
		{"no messages kept", with("RETENTION_PAYLOAD_DAYS", "0"), NeedSlack, "RETENTION_PAYLOAD_DAYS"},
		{"messages for a year in words", with("RETENTION_PAYLOAD_DAYS", "a year"), NeedSlack, "RETENTION_PAYLOAD_DAYS"},
		{"a week of request ids", with("RETENTION_REQUEST_DAYS", "7"), NeedSlack, ""},
		{"request ids forever", with("RETENTION_REQUEST_DAYS", "99999"), NeedSlack, "RETENTION_REQUEST_DAYS"},
		{"request ids for negative days", with("RETENTION_REQUEST_DAYS", "-1"), NeedSlack, "RETENTION_REQUEST_DAYS"},
		{"a purge schedule", with("PURGE_SCHEDULE", "0 3 * * 0"), NeedSlack, ""},
		{"socket mode by name", with("SLACK_MODE", "Socket"), NeedSlack, ""},
		{"an unknown mode", with("SLACK_MODE", "webhook"), NeedSlack, "SLACK_MODE"},
		{"http mode without a secret", with("SLACK_MODE", "http"), NeedSlack, "SLACK_SIGNING_SECRET"},
		{"http mode with a token for a secret", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_MODE": "http", "SLACK_SIGNING_SECRET": "xoxb-1-2-abc"}, NeedSlack, "SLACK_SIGNING_SECRET"},
		{"http mode needs no app token", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_MODE": "http", "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5"}, NeedSlack, ""},
		{"http mode without a listener", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_MODE": "http", "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5", "HTTP_ADDR": "off"}, NeedSlack, "HTTP_ADDR"},
		{"a secret not needed to migrate", map[string]string{"SLACK_MODE": "http"}, NeedDatabase, ""},
		{"a bad purge schedule", with("PURGE_SCHEDULE", "nightly"), NeedSlack, "PURGE_SCHEDULE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(envOf(tt.env), tt.need)
			got := ""
			if e, ok := err.(*Error); ok {
				got = e.Var
			} else if err != nil {
				t.Fatalf("error %v is not a *config.Error", err)
			}
			if got != tt.wantVar {
				t.Errorf("Load error names %q (%v), want %q", got, err, tt.wantVar)
			}
		})
	}
	c, _ := Load(envOf(with("SLACK_API_URL", "http://127.0.0.1:9/api")), NeedSlack)
	if c.APIURL != "http://127.0.0.1:9/api/" || c.Location.String() != "America/New_York" || c.LogFormat != "json" || c.Scale.Name != "program" || c.ReflectionDay != 15 || c.Rehearsal || c.HTTPAddr != "127.0.0.1:8080" ||
		c.RetentionPayloadDays != 400 || c.RetentionRequestDays != 30 || c.PurgeSchedule != "15 4 * * *" {
		t.Errorf("defaults: %+v", c)
	}
	if c, _ := Load(envOf(with("REHEARSAL", "yes")), NeedSlack); !c.Rehearsal {
		t.Error("REHEARSAL=yes is not a rehearsal")
	}
}

func TestDotEnvUnderRealEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".env")
	os.WriteFile(path, []byte("SLACK_BOT_TOKEN=xoxb-from-file\nHR_CHANNEL=C0FILE\n"), 0o600)
	env, err := WithDotEnv(path, envOf(map[string]string{"SLACK_BOT_TOKEN": "xoxb-from-env"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := env("SLACK_BOT_TOKEN"); got != "xoxb-from-env" {
		t.Errorf("real environment lost to the file: %q", got)
	}
	if got := env("HR_CHANNEL"); got != "C0FILE" {
		t.Errorf("file value not read: %q", got)
	}
	if _, err := WithDotEnv(filepath.Join(t.TempDir(), "none"), envOf(nil)); err != nil {
		t.Errorf("a missing .env is an error: %v", err)
	}
}

// A .env file that godotenv cannot read is reported by line, with a reason,
// and never quoted: godotenv's own error quotes the file from the bad line
// on, the tokens and the database's password with it.
func TestDotEnvErrorNamesTheLineNotTheSecrets(t *testing.T) {
	const (
		botToken = "xoxb-7301948265-7402817365-Q8vLmN2pR4sT6uW8yZ0aBc"
		appToken = "xapp-1-A07ABCDEF12-7401234567890-9f8e7d6c5b4a39281706f5e4d3c2b1a0"
		password = "Tr0ub4dor-and-3"
	)
	secrets := "SLACK_BOT_TOKEN=" + botToken + "\nSLACK_APP_TOKEN=" + appToken +
		"\nDATABASE_URL=postgres://massperform:" + password + "@db.internal:5432/massperform\n"
	tests := []struct {
		name     string
		file     string
		wantLine int
		why      string
	}{
		{"a line that is no setting, above the secrets",
			"# MassPerform\nHR_CHANNEL C0123456789\n" + secrets, 2, "is not a setting"},
		{"a name with a dash, below them",
			secrets + "\nLOG-LEVEL=debug\n", 5, "is not a setting"},
		{"a quote never closed, on the password's own line",
			"SLACK_BOT_TOKEN=" + botToken + "\nDATABASE_URL=\"postgres://massperform:" + password + "@db/massperform\nLOG_LEVEL=info\n", 2, "never closed"},
		{"a value over several lines before the typo",
			"HOLIDAYS=\"2026-12-24,\n2026-12-31\"\n" + secrets + "ORG_TIMEZONE America/New_York " + botToken + "\n", 6, "is not a setting"},
		{"Windows line ends",
			strings.ReplaceAll("# settings\n"+secrets+"oops "+password+"\n", "\n", "\r\n"), 5, "is not a setting"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), ".env")
			if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := WithDotEnv(path, envOf(nil))
			if err == nil {
				t.Fatal("WithDotEnv read a file with a typo")
			}
			for _, secret := range []string{botToken, appToken, password, "xoxb-", "xapp-", "postgres://", "C0123456789", "America/New_York", "2026-12"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q quotes the file (%q)", err, secret)
				}
			}
			de, ok := err.(*DotEnvError)
			if !ok {
				t.Fatalf("WithDotEnv = %v (%T), want a *DotEnvError", err, err)
			}
			if de.Line != tt.wantLine || !strings.Contains(de.Reason, tt.why) {
				t.Errorf("error %q: line %d, want line %d saying %q", err, de.Line, tt.wantLine, tt.why)
			}
			if want := fmt.Sprintf("%s line %d: ", path, tt.wantLine); !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q does not start with %q", err, want)
			}
		})
	}
}
