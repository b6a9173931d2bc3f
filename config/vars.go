package config

// Var is one setting the program reads from the environment (or .env).
type Var struct {
	Name  string
	About string // what it is for and its default, in a line or two
}

// Vars lists every setting Load reads, in the order .env.example gives
// them, for `serve --help`. A test checks it against Load and .env.example.
var Vars = []Var{
	{"SLACK_BOT_TOKEN", "the Bot User OAuth Token (xoxb-…) from your Slack app's OAuth & Permissions page; required"},
	{"SLACK_APP_TOKEN", "an app-level token (xapp-…) with the connections:write scope, from Basic Information; required by serve in socket mode"},
	{"SLACK_MODE", "socket (the default: Socket Mode, the bot connects to Slack) or http (Slack posts to /slack/… on HTTP_ADDR)"},
	{"SLACK_SIGNING_SECRET", "the Signing Secret from your Slack app's Basic Information, which proves a request came from Slack; required in http mode"},
	{"SLACK_API_URL", "another base URL for Slack's Web API, for tests or a proxy (default https://slack.com/api/)"},
	{"DATABASE_URL", "a postgres:// URL, or the path of an SQLite file (default massperform.db here)"},
	{"DATABASE_MAX_CONNS", "the most database connections one process opens (default 8)"},
	{"ORG_TIMEZONE", "the organisation's time zone, for program dates (default America/New_York)"},
	{"HR_CHANNEL", "the ID (C…) of HR's private channel for the digest, with the app invited to it"},
	{"HR_USERS", "Slack IDs or emails of people with HR rights besides the roster's, comma-separated"},
	{"RATING_SCALE", "program (four levels, the default) or aces (the older five)"},
	{"REFLECTION_DEADLINE", "the day in June after which a wrap-up may be written without the reflection (default 06-15)"},
	{"NUDGE_SCHEDULE", "when the reminder sweep runs, as cron in ORG_TIMEZONE (default 5 * * * *)"},
	{"DIGEST_SCHEDULE", "when HR's digest goes out, as cron in ORG_TIMEZONE (default 0 8 * * 1)"},
	{"DIGEST_CSV_BOM", "false leaves the byte-order mark out of the digest's CSV file, which Excel needs to show accented names (default true)"},
	{"TZ_SCHEDULE", "when everyone's time zone is read again from Slack (default 30 5 * * *)"},
	{"RETENTION_PAYLOAD_DAYS", "days a sent notification's message is kept (default 400)"},
	{"RETENTION_REQUEST_DAYS", "days the ids of handled requests are kept (default 30)"},
	{"PURGE_SCHEDULE", "when what is past its retention is purged (default 15 4 * * *)"},
	{"MERIT_DIR", "the directory of the merit years' files, one YAML file a year (default merit)"},
	{"HOLIDAYS", "days nobody is reminded, YYYY-MM-DD separated by commas (default: Massachusetts state holidays)"},
	{"REHEARSAL", "true makes this deployment a rehearsal on a clock HR moves (default false)"},
	{"HTTP_ADDR", "where /healthz, /readyz and /metrics are served, and Slack's requests in http mode (default 127.0.0.1:8080; off for none, socket mode only)"},
	{"LOG_LEVEL", "debug, info (the default), warn or error"},
	{"LOG_FORMAT", "json (the default) or text"},
}
