// Package config reads the bot's settings from the environment, with an
// optional .env file underneath it: a variable set in the real environment
// always wins over the file.
package config

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"
	"github.com/robfig/cron/v3"

	"github.com/massperform/massperform/review"
)

// Config is everything the bot is told by its environment.
type Config struct {
	BotToken string // SLACK_BOT_TOKEN, xoxb-…
	AppToken string // SLACK_APP_TOKEN, xapp-… (Socket Mode only)
	// Mode is how Slack reaches the bot (SLACK_MODE): "socket" (the
	// default: Socket Mode, over a connection the bot opens) or "http"
	// (Slack posts to the bot's request URLs on HTTPAddr).
	Mode string
	// SigningSecret (SLACK_SIGNING_SECRET) checks that a request came from
	// Slack; required in http mode.
	SigningSecret string
	APIURL        string // SLACK_API_URL, "" for Slack itself; always ends in "/"
	DatabaseURL   string // DATABASE_URL
	// DatabaseConns is how many connections to the database this process
	// opens at most (DATABASE_MAX_CONNS; 0, the default, leaves it to
	// storage: 8).
	DatabaseConns int
	Location      *time.Location
	HRChannel     string // HR_CHANNEL, a channel ID
	HR            review.HRDirectory
	LogLevel      slog.Level
	LogFormat     string // "json" or "text"
	// HTTPAddr is where serve answers /healthz, /readyz and /metrics
	// (HTTP_ADDR; default 127.0.0.1:8080; "off" for nowhere).
	HTTPAddr string
	// Scale is the rating scale (RATING_SCALE: program, the default, or
	// aces).
	Scale review.Scale
	// ReflectionDay is the day in June after which managers may write a
	// wrap-up without the employee's reflection (REFLECTION_DEADLINE,
	// 06-DD; default June 15).
	ReflectionDay int
	// NudgeSchedule is when the nudge sweep runs (NUDGE_SCHEDULE, a cron
	// spec in ORG_TIMEZONE; default hourly at :05). Each person is nudged
	// at most once a day, from 9:00 in their own time zone.
	NudgeSchedule string
	// DigestSchedule is when HR's digest goes to HR_CHANNEL
	// (DIGEST_SCHEDULE, a cron spec in ORG_TIMEZONE; default Monday 8:00).
	DigestSchedule string
	// TZSchedule is when everyone's time zone is read again from Slack
	// (TZ_SCHEDULE, a cron spec in ORG_TIMEZONE; default daily at 5:30).
	TZSchedule string
	// PurgeSchedule is when what is past its retention is emptied
	// (PURGE_SCHEDULE, a cron spec in ORG_TIMEZONE; default daily at
	// 4:15).
	PurgeSchedule string
	// RetentionPayloadDays is how long the message of a notification that
	// went out, failed or was cancelled is kept, in days after it was
	// queued (RETENTION_PAYLOAD_DAYS; default 400). The row and its key
	// stay.
	RetentionPayloadDays int
	// RetentionRequestDays is how long the ids of handled events and form
	// submissions are kept, in days (RETENTION_REQUEST_DAYS; default 30).
	RetentionRequestDays int
	// Holidays are the days nobody is nudged (HOLIDAYS, a comma-separated
	// list of YYYY-MM-DD that replaces the built-in Massachusetts state
	// holidays).
	Holidays review.Holidays
	// Rehearsal (REHEARSAL=true) makes this deployment a rehearsal: the
	// program runs on a virtual clock HR moves, and everything shown
	// carries a banner with its date.
	Rehearsal bool
	// DigestCSVBOM (DIGEST_CSV_BOM; default true) starts the digest's CSV
	// file with a byte-order mark, so that Excel reads accented names right.
	DigestCSVBOM bool
	// MeritDir (MERIT_DIR; default merit) is the directory of the merit
	// years' files, one YAML file a year (merit/2007.yaml is the example).
	MeritDir string
}

// Calendar is the program calendar the settings describe.
func (c Config) Calendar() review.Calendar {
	return review.Calendar{Loc: c.Location, ReflectionDay: c.ReflectionDay, Holidays: c.Holidays}
}

// Error names the variable that is wrong and says how to fix it.
type Error struct {
	Var     string
	Problem string
}

func (e *Error) Error() string { return e.Var + " " + e.Problem }

// Getenv looks a variable up.
type Getenv func(string) string

// WithDotEnv returns a Getenv that reads the real environment first and
// then the .env file at path, if it exists. A file that cannot be parsed
// is reported by line, as a *DotEnvError, never quoted: it holds the
// tokens and the database's password.
func WithDotEnv(path string, env Getenv) (Getenv, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return env, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	file, err := godotenv.UnmarshalBytes(data)
	if err != nil {
		// godotenv's own error quotes the file from the bad line on.
		line, reason := badDotEnvLine(data)
		return nil, &DotEnvError{Path: path, Line: line, Reason: reason}
	}
	return func(k string) string {
		if v := env(k); v != "" {
			return v
		}
		return file[k]
	}, nil
}

// DotEnvError says which line of a .env file is wrong, and why, without
// quoting any of it.
type DotEnvError struct {
	Path   string
	Line   int // from 1; 0 when no single line could be blamed
	Reason string
}

func (e *DotEnvError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s %s", e.Path, e.Reason)
	}
	return fmt.Sprintf("%s line %d: %s", e.Path, e.Line, e.Reason)
}

// badDotEnvLine finds the first statement of a .env file that godotenv
// refuses, by cutting the file into statements as godotenv reads it (a
// NAME=value line, or a quoted value running over several lines) and
// parsing each alone. It returns the statement's first line and a reason
// in our words.
func badDotEnvLine(data []byte) (int, string) {
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		if t := strings.TrimSpace(lines[i]); t == "" || t[0] == '#' {
			continue
		}
		end := i + quotedValueEnd(lines[i:])
		// With its line end: godotenv takes a name running to the end of
		// the file for a name.
		if _, err := godotenv.UnmarshalBytes([]byte(strings.Join(lines[i:end+1], "\n") + "\n")); err != nil {
			msg := err.Error()
			switch {
			case strings.HasPrefix(msg, "unterminated quoted value"):
				return i + 1, "a quoted value is never closed: end it with the same quote it starts with"
			case strings.HasPrefix(msg, "unexpected character"):
				return i + 1, "is not a setting: write NAME=value, with a name of letters, digits and _ (a # starts a comment)"
			}
			return i + 1, "cannot be read: write NAME=value"
		}
		i = end
	}
	return 0, "cannot be read, and no single line is to blame: check its quotes"
}

// quotedValueEnd returns how many lines after the first of lines its
// statement ends: 0 unless its value opens a quote that closes on a later
// line (or never does, when the statement runs to the end of the file).
func quotedValueEnd(lines []string) int {
	sep := strings.IndexAny(lines[0], "=:")
	if sep < 0 {
		return 0
	}
	value := strings.TrimLeft(lines[0][sep+1:], " \t")
	if value == "" || value[0] != '"' && value[0] != '\'' {
		return 0
	}
	rest := strings.Join(append([]string{value}, lines[1:]...), "\n")
	for i := 1; i < len(rest); i++ {
		if rest[i] == value[0] && rest[i-1] != '\\' {
			return strings.Count(rest[:i], "\n")
		}
	}
	return len(lines) - 1
}

// Need says which settings a command cannot do without.
type Need int

// What a command needs.
const (
	NeedDatabase Need = 1 << iota
	NeedBotToken      // Web API calls
	NeedSlack         // what serve needs to hear from Slack: the app-level token in socket mode, the signing secret in http mode
)

// How Slack reaches the bot (SLACK_MODE).
const (
	ModeSocket = "socket" // Socket Mode: the bot connects to Slack
	ModeHTTP   = "http"   // request URLs: Slack posts to the bot
)

var (
	botToken = regexp.MustCompile(`^xoxb-[A-Za-z0-9-]+$`)
	appToken = regexp.MustCompile(`^xapp-[A-Za-z0-9-]+$`)
	// Slack's signing secrets are 32 hex digits; anything of letters and
	// digits from 16 on is taken, a token (with its dashes) is not.
	signingSecret = regexp.MustCompile(`^[A-Za-z0-9]{16,}$`)
	channelID     = regexp.MustCompile(`^[CG][A-Z0-9]{2,}$`)
	slackUserID   = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)
)

// Load reads the settings. With NeedSlack, both tokens must be present and
// well formed. The first problem found is returned as an *Error.
func Load(env Getenv, need Need) (Config, error) {
	get := func(k string) string { return strings.TrimSpace(env(k)) }
	c := Config{
		BotToken:      get("SLACK_BOT_TOKEN"),
		AppToken:      get("SLACK_APP_TOKEN"),
		Mode:          strings.ToLower(get("SLACK_MODE")),
		SigningSecret: get("SLACK_SIGNING_SECRET"),
		APIURL:        get("SLACK_API_URL"),
		DatabaseURL:   get("DATABASE_URL"),
		HRChannel:     get("HR_CHANNEL"),
		HTTPAddr:      get("HTTP_ADDR"),
		LogFormat:     strings.ToLower(get("LOG_FORMAT")),
	}
	if need&(NeedBotToken|NeedSlack) != 0 {
		switch {
		case c.BotToken == "":
			return c, &Error{"SLACK_BOT_TOKEN", "is not set: copy the Bot User OAuth Token (xoxb-…) from your Slack app's OAuth & Permissions page"}
		case !botToken.MatchString(c.BotToken):
			return c, &Error{"SLACK_BOT_TOKEN", "does not look like a bot token: it should start with xoxb-"}
		}
	}
	switch c.Mode {
	case "":
		c.Mode = ModeSocket
	case ModeSocket, ModeHTTP:
	default:
		return c, &Error{"SLACK_MODE", fmt.Sprintf("%q is not a mode: use socket (Socket Mode, the default) or http (request URLs)", get("SLACK_MODE"))}
	}
	if need&NeedSlack != 0 && c.Mode == ModeHTTP {
		switch {
		case c.SigningSecret == "":
			return c, &Error{"SLACK_SIGNING_SECRET", "is not set, and SLACK_MODE=http needs it: copy the Signing Secret from your Slack app's Basic Information page"}
		case !signingSecret.MatchString(c.SigningSecret):
			return c, &Error{"SLACK_SIGNING_SECRET", "does not look like a signing secret: copy the Signing Secret (32 letters and digits) from your Slack app's Basic Information page, not a token"}
		}
	}
	if need&NeedSlack != 0 && c.Mode == ModeSocket {
		switch {
		case c.AppToken == "":
			return c, &Error{"SLACK_APP_TOKEN", "is not set: create an app-level token with the connections:write scope (xapp-…) under Basic Information"}
		case !appToken.MatchString(c.AppToken):
			return c, &Error{"SLACK_APP_TOKEN", "does not look like an app-level token: it should start with xapp-"}
		}
	}
	if c.APIURL != "" {
		if !strings.HasPrefix(c.APIURL, "http://") && !strings.HasPrefix(c.APIURL, "https://") {
			return c, &Error{"SLACK_API_URL", "must be an http:// or https:// URL, like https://slack.com/api/"}
		}
		if !strings.HasSuffix(c.APIURL, "/") {
			c.APIURL += "/"
		}
	}
	tz := get("ORG_TIMEZONE")
	if tz == "" {
		tz = "America/New_York"
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return c, &Error{"ORG_TIMEZONE", fmt.Sprintf("%q is not a time zone name: use one like America/New_York", tz)}
	}
	c.Location = loc
	if c.HRChannel != "" && !channelID.MatchString(c.HRChannel) {
		return c, &Error{"HR_CHANNEL", fmt.Sprintf("%q is not a channel ID: open the channel's details in Slack and copy the ID at the bottom (C…)", c.HRChannel)}
	}
	if u := c.DatabaseURL; strings.Contains(u, "://") {
		scheme, _, _ := strings.Cut(u, "://")
		switch strings.ToLower(scheme) {
		case "postgres", "postgresql", "sqlite", "file":
		default:
			return c, &Error{"DATABASE_URL", fmt.Sprintf("has the scheme %q: use a postgres:// URL, or a path to an SQLite file", scheme)}
		}
	}
	var hr []string
	for _, e := range strings.Split(get("HR_USERS"), ",") {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		if !slackUserID.MatchString(e) && !strings.Contains(e, "@") {
			return c, &Error{"HR_USERS", fmt.Sprintf("has %q, which is neither a Slack user ID (U…) nor an email", e)}
		}
		hr = append(hr, e)
	}
	c.HR = review.NewHRDirectory(hr)
	switch strings.ToLower(get("LOG_LEVEL")) {
	case "", "info":
		c.LogLevel = slog.LevelInfo
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "warn", "warning":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		return c, &Error{"LOG_LEVEL", fmt.Sprintf("%q is not a level: use debug, info, warn or error", get("LOG_LEVEL"))}
	}
	scale := get("RATING_SCALE")
	if scale == "" {
		scale = review.ProgramScale.Name
	}
	if c.Scale, err = review.ScaleNamed(scale); err != nil {
		return c, &Error{"RATING_SCALE", fmt.Sprintf("%q is not a scale we know: use program (four levels) or aces (the older five)", scale)}
	}
	c.ReflectionDay = review.DefaultReflectionDeadline
	if d := get("REFLECTION_DEADLINE"); d != "" {
		t, err := time.Parse("01-02", d)
		if err != nil || t.Month() != time.June {
			return c, &Error{"REFLECTION_DEADLINE", fmt.Sprintf("%q is not a day in June: write it as 06-DD, like 06-15", d)}
		}
		c.ReflectionDay = t.Day()
	}
	if n := get("DATABASE_MAX_CONNS"); n != "" {
		if c.DatabaseConns, err = strconv.Atoi(n); err != nil || c.DatabaseConns < 1 || c.DatabaseConns > 500 {
			return c, &Error{"DATABASE_MAX_CONNS", fmt.Sprintf("%q is not a number of connections: use a whole number from 1 to 500", n)}
		}
	}
	c.NudgeSchedule = get("NUDGE_SCHEDULE")
	if c.NudgeSchedule == "" {
		c.NudgeSchedule = "5 * * * *"
	}
	if _, err := cron.ParseStandard(c.NudgeSchedule); err != nil {
		return c, &Error{"NUDGE_SCHEDULE", fmt.Sprintf("%q is not a cron schedule (%v): use five fields, like 5 * * * * for hourly at :05", c.NudgeSchedule, err)}
	}
	c.DigestSchedule = get("DIGEST_SCHEDULE")
	if c.DigestSchedule == "" {
		c.DigestSchedule = "0 8 * * 1"
	}
	if _, err := cron.ParseStandard(c.DigestSchedule); err != nil {
		return c, &Error{"DIGEST_SCHEDULE", fmt.Sprintf("%q is not a cron schedule (%v): use five fields, like 0 8 * * 1 for Mondays at 8:00", c.DigestSchedule, err)}
	}
	c.TZSchedule = get("TZ_SCHEDULE")
	if c.TZSchedule == "" {
		c.TZSchedule = "30 5 * * *"
	}
	if _, err := cron.ParseStandard(c.TZSchedule); err != nil {
		return c, &Error{"TZ_SCHEDULE", fmt.Sprintf("%q is not a cron schedule (%v): use five fields, like 30 5 * * * for daily at 5:30", c.TZSchedule, err)}
	}
	c.PurgeSchedule = get("PURGE_SCHEDULE")
	if c.PurgeSchedule == "" {
		c.PurgeSchedule = "15 4 * * *"
	}
	if _, err := cron.ParseStandard(c.PurgeSchedule); err != nil {
		return c, &Error{"PURGE_SCHEDULE", fmt.Sprintf("%q is not a cron schedule (%v): use five fields, like 15 4 * * * for daily at 4:15", c.PurgeSchedule, err)}
	}
	for _, r := range []struct {
		name string
		days *int
		def  int
	}{{"RETENTION_PAYLOAD_DAYS", &c.RetentionPayloadDays, 400}, {"RETENTION_REQUEST_DAYS", &c.RetentionRequestDays, 30}} {
		*r.days = r.def
		if n := get(r.name); n != "" {
			if *r.days, err = strconv.Atoi(n); err != nil || *r.days < 1 || *r.days > 3650 {
				return c, &Error{r.name, fmt.Sprintf("%q is not a number of days: use a whole number from 1 to 3650 (default %d)", n, r.def)}
			}
		}
	}
	c.MeritDir = get("MERIT_DIR")
	if c.MeritDir == "" {
		c.MeritDir = "merit"
	}
	if list := get("HOLIDAYS"); list != "" {
		if c.Holidays, err = review.ParseHolidays(list); err != nil {
			return c, &Error{"HOLIDAYS", fmt.Sprintf("has a problem: %v. Write days as YYYY-MM-DD, separated by commas", err)}
		}
	}
	switch {
	case c.HTTPAddr == "":
		c.HTTPAddr = "127.0.0.1:8080"
	case c.HTTPAddr == "off" && c.Mode == ModeHTTP:
		return c, &Error{"HTTP_ADDR", "is off, but SLACK_MODE=http has Slack post to the bot there: give it an address, like 0.0.0.0:8080"}
	case c.HTTPAddr == "off":
		c.HTTPAddr = ""
	default:
		if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
			return c, &Error{"HTTP_ADDR", fmt.Sprintf("%q is not an address to listen on: write host:port, like 127.0.0.1:8080 or :8080", c.HTTPAddr)}
		}
	}
	switch r := strings.ToLower(get("REHEARSAL")); r {
	case "", "false", "0", "no":
	case "true", "1", "yes":
		c.Rehearsal = true
	default:
		return c, &Error{"REHEARSAL", fmt.Sprintf("%q is neither true nor false", get("REHEARSAL"))}
	}
	switch b := strings.ToLower(get("DIGEST_CSV_BOM")); b {
	case "", "true", "1", "yes":
		c.DigestCSVBOM = true
	case "false", "0", "no":
	default:
		return c, &Error{"DIGEST_CSV_BOM", fmt.Sprintf("%q is neither true nor false", get("DIGEST_CSV_BOM"))}
	}
	switch c.LogFormat {
	case "":
		c.LogFormat = "json"
	case "json", "text":
	default:
		return c, &Error{"LOG_FORMAT", fmt.Sprintf("%q is not a format: use json or text", c.LogFormat)}
	}
	return c, nil
}
