package storage

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migrateLock is the PostgreSQL advisory lock key that serialises
// migrations when several processes start at once.
const migrateLock = 0x6d70_6d69_6772 // "mpmigr"

// Migrate brings the schema up to date. It is safe to run from several
// processes at once: on PostgreSQL they queue on an advisory lock, on
// SQLite on the database's write lock, and each migration runs once. A
// database migrated by a newer release is refused.
func (s *Store) Migrate(ctx context.Context) error {
	err := s.transact(ctx, func(tx *gorm.DB) error {
		if s.dialect == Postgres {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", migrateLock).Error; err != nil {
				return fmt.Errorf("take migration lock: %w", err)
			}
		}
		m := gormigrate.New(tx, &gormigrate.Options{
			TableName:                 "schema_migrations",
			IDColumnName:              "id",
			IDColumnSize:              64,
			UseTransaction:            false, // we are already inside one
			ValidateUnknownMigrations: true,
		}, migrations(s.dialect))
		return m.Migrate()
	})
	return s.wrap("migrate", err)
}

// SchemaVersion returns the id of the last migration applied.
func (s *Store) SchemaVersion(ctx context.Context) (string, error) {
	var id string
	err := s.read(ctx).Raw("SELECT id FROM schema_migrations ORDER BY id DESC LIMIT 1").Scan(&id).Error
	return id, s.wrap("schema version", err)
}

// migrations lists every schema change in order. Never edit a migration
// that has shipped: add a new one.
func migrations(dialect string) []*gormigrate.Migration {
	return []*gormigrate.Migration{
		{ID: "0001_initial", Migrate: ddl(dialect, schema0001)},
		{ID: "0002_rating_approval", Migrate: ddl(dialect, schema0002)},
		{ID: "0003_reminders", Migrate: ddl(dialect, schema0003)},
		{ID: "0004_earlier_wrap_ups", Migrate: ddl(dialect, schema0004)},
		{ID: "0005_outbox_claims_slack_budget", Migrate: ddl(dialect, schema0005)},
		{ID: "0006_retention", Migrate: ddl(dialect, schema0006)},
		{ID: "0007_year_closings", Migrate: ddl(dialect, schema0007)},
		{ID: "0008_employee_say", Migrate: ddl(dialect, schema0008)},
		{ID: "0009_appeals", Migrate: ddl(dialect, schema0009)},
		{ID: "0010_leaves", Migrate: ddl(dialect, schema0010)},
		{ID: "0011_improvement_plans", Migrate: ddl(dialect, schema0011)},
		{ID: "0012_approval_chain", Migrate: ddl(dialect, schema0012)},
		{ID: "0013_digest_counts", Migrate: ddl(dialect, schema0013)},
		{ID: "0014_pay", Migrate: ddl(dialect, schema0014)},
	}
}

// ddl returns a migration step that runs SQL statements separated by ";",
// with the column types that differ between the dialects spelled as
// placeholders: {{PK}} an auto-increment primary key, {{TS}} an instant.
func ddl(dialect, script string) gormigrate.MigrateFunc {
	pk, ts := "BIGSERIAL PRIMARY KEY", "TIMESTAMPTZ"
	if dialect == SQLite {
		pk, ts = "INTEGER PRIMARY KEY AUTOINCREMENT", "DATETIME"
	}
	script = strings.NewReplacer("{{PK}}", pk, "{{TS}}", ts).Replace(script)
	return func(tx *gorm.DB) error {
		for _, stmt := range strings.Split(script, ";") {
			if strings.TrimSpace(stmt) == "" {
				continue
			}
			if err := tx.Exec(stmt).Error; err != nil {
				head, _, _ := strings.Cut(strings.TrimSpace(stmt), "(")
				return fmt.Errorf("%s: %w", strings.TrimSpace(head), err)
			}
		}
		return nil
	}
}

// schema0001 is the whole program's data model. Dates (days without a time)
// are TEXT in YYYY-MM-DD form, "" when unknown; instants are stored in UTC.
const schema0001 = `
CREATE TABLE people (
	id {{PK}},
	slack_id TEXT NOT NULL UNIQUE,
	email TEXT NOT NULL,
	name TEXT NOT NULL,
	unit TEXT NOT NULL DEFAULT '',
	manager_id BIGINT REFERENCES people(id),
	hr BOOLEAN NOT NULL DEFAULT FALSE,
	active BOOLEAN NOT NULL DEFAULT TRUE,
	hire_date TEXT NOT NULL DEFAULT '',
	joined_on TEXT NOT NULL DEFAULT '',
	tz TEXT NOT NULL DEFAULT '',
	tz_refreshed_at {{TS}},
	left_at {{TS}},
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
CREATE UNIQUE INDEX people_active_email ON people (email) WHERE active;
CREATE INDEX people_manager_id ON people (manager_id);
CREATE INDEX people_unit ON people (unit);

CREATE TABLE manager_changes (
	id {{PK}},
	person_id BIGINT NOT NULL REFERENCES people(id),
	old_manager_id BIGINT REFERENCES people(id),
	new_manager_id BIGINT REFERENCES people(id),
	effective TEXT NOT NULL,
	handoff_note TEXT NOT NULL DEFAULT '',
	handoff_at {{TS}},
	created_at {{TS}} NOT NULL
);
CREATE INDEX manager_changes_person_id ON manager_changes (person_id);

CREATE TABLE reviews (
	id {{PK}},
	person_id BIGINT NOT NULL REFERENCES people(id),
	fiscal_year INTEGER NOT NULL,
	cadence TEXT NOT NULL DEFAULT 'quarterly',
	cadence_agreed_at {{TS}},
	state TEXT NOT NULL DEFAULT 'open',
	closed_reason TEXT NOT NULL DEFAULT '',
	closed_at {{TS}},
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	UNIQUE (person_id, fiscal_year)
);
CREATE INDEX reviews_fiscal_year ON reviews (fiscal_year);

CREATE TABLE cadence_changes (
	id {{PK}},
	review_id BIGINT NOT NULL REFERENCES reviews(id),
	cadence TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	changed_by BIGINT REFERENCES people(id),
	created_at {{TS}} NOT NULL
);
CREATE INDEX cadence_changes_review_id ON cadence_changes (review_id);

CREATE TABLE expectations (
	id {{PK}},
	review_id BIGINT NOT NULL REFERENCES reviews(id),
	position INTEGER NOT NULL,
	body TEXT NOT NULL,
	created_by BIGINT REFERENCES people(id),
	retired_at {{TS}},
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
CREATE INDEX expectations_review_id ON expectations (review_id);

CREATE TABLE goals (
	id {{PK}},
	review_id BIGINT NOT NULL REFERENCES reviews(id),
	expectation_id BIGINT NOT NULL REFERENCES expectations(id),
	body TEXT NOT NULL,
	measure TEXT NOT NULL,
	target_date TEXT NOT NULL,
	retired_at {{TS}},
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
CREATE INDEX goals_review_id ON goals (review_id);
CREATE INDEX goals_expectation_id ON goals (expectation_id);

CREATE TABLE check_ins (
	id {{PK}},
	review_id BIGINT NOT NULL REFERENCES reviews(id),
	manager_id BIGINT NOT NULL REFERENCES people(id),
	held_on TEXT NOT NULL,
	quarter INTEGER NOT NULL,
	covered_expectations BOOLEAN NOT NULL DEFAULT FALSE,
	covered_feedback BOOLEAN NOT NULL DEFAULT FALSE,
	covered_development BOOLEAN NOT NULL DEFAULT FALSE,
	notes TEXT NOT NULL DEFAULT '',
	feedback_for_employee TEXT NOT NULL DEFAULT '',
	first_of_year BOOLEAN NOT NULL DEFAULT FALSE,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
CREATE INDEX check_ins_review_id ON check_ins (review_id);

CREATE TABLE goal_progress (
	id {{PK}},
	check_in_id BIGINT NOT NULL REFERENCES check_ins(id),
	goal_id BIGINT NOT NULL REFERENCES goals(id),
	progress TEXT NOT NULL,
	UNIQUE (check_in_id, goal_id)
);

CREATE TABLE confirmations (
	id {{PK}},
	check_in_id BIGINT NOT NULL UNIQUE REFERENCES check_ins(id),
	person_id BIGINT NOT NULL REFERENCES people(id),
	feedback_for_manager TEXT NOT NULL DEFAULT '',
	confirmed_at {{TS}} NOT NULL
);

CREATE TABLE compliance_answers (
	id {{PK}},
	review_id BIGINT NOT NULL REFERENCES reviews(id),
	stage TEXT NOT NULL,
	question TEXT NOT NULL,
	answer BOOLEAN NOT NULL,
	answered_by BIGINT NOT NULL REFERENCES people(id),
	answered_at {{TS}} NOT NULL,
	check_in_id BIGINT REFERENCES check_ins(id),
	UNIQUE (review_id, stage, question)
);

CREATE TABLE development_plans (
	id {{PK}},
	review_id BIGINT NOT NULL UNIQUE REFERENCES reviews(id),
	long_term TEXT NOT NULL DEFAULT '',
	short_term TEXT NOT NULL DEFAULT '',
	needs TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'draft',
	requested_at {{TS}},
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);

CREATE TABLE wrap_ups (
	id {{PK}},
	review_id BIGINT NOT NULL UNIQUE REFERENCES reviews(id),
	accomplishments TEXT NOT NULL DEFAULT '',
	employee_submitted_at {{TS}},
	manager_id BIGINT REFERENCES people(id),
	manager_comments TEXT NOT NULL DEFAULT '',
	rating TEXT NOT NULL DEFAULT '',
	development_note TEXT NOT NULL DEFAULT '',
	manager_submitted_at {{TS}},
	conversation_held_at {{TS}},
	released_at {{TS}},
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);

CREATE TABLE rating_approvals (
	id {{PK}},
	unit TEXT NOT NULL,
	fiscal_year INTEGER NOT NULL,
	approved_by BIGINT REFERENCES people(id),
	approved_at {{TS}},
	exception_reason TEXT NOT NULL DEFAULT '',
	reopened_at {{TS}},
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	UNIQUE (unit, fiscal_year)
);

CREATE TABLE outbox (
	id {{PK}},
	dedup_key TEXT NOT NULL UNIQUE,
	recipient TEXT NOT NULL,
	kind TEXT NOT NULL,
	payload TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'pending',
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at {{TS}} NOT NULL,
	lease_until {{TS}},
	last_error TEXT NOT NULL DEFAULT '',
	channel TEXT NOT NULL DEFAULT '',
	slack_ts TEXT NOT NULL DEFAULT '',
	created_at {{TS}} NOT NULL,
	sent_at {{TS}}
);
CREATE INDEX outbox_status_next ON outbox (status, next_attempt_at);
CREATE INDEX outbox_recipient ON outbox (recipient);

CREATE TABLE audit_log (
	id {{PK}},
	actor TEXT NOT NULL,
	action TEXT NOT NULL,
	entity TEXT NOT NULL,
	entity_id BIGINT NOT NULL,
	before_json TEXT NOT NULL DEFAULT '',
	after_json TEXT NOT NULL DEFAULT '',
	at {{TS}} NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

CREATE TABLE handled_requests (
	request_key TEXT PRIMARY KEY,
	at {{TS}} NOT NULL
);

CREATE TABLE settings (
	name TEXT PRIMARY KEY,
	value TEXT NOT NULL,
	updated_at {{TS}} NOT NULL
)
`

// schema0002 lets a rating carry its unit's approval, and an approval
// name the pool it was given for (a unit with the smaller units pooled
// into it) and why it was reopened; the export pages through people in
// unit and name order.
const schema0002 = `
ALTER TABLE wrap_ups ADD COLUMN approved_at {{TS}};
ALTER TABLE rating_approvals ADD COLUMN pool TEXT NOT NULL DEFAULT '';
ALTER TABLE rating_approvals ADD COLUMN reopened_by BIGINT REFERENCES people(id);
ALTER TABLE rating_approvals ADD COLUMN reopen_reason TEXT NOT NULL DEFAULT '';
CREATE INDEX rating_approvals_pool ON rating_approvals (fiscal_year, pool);
CREATE INDEX people_unit_name ON people (unit, name, id)
`

// schema0003 remembers what each nudge reminded whom of, and who asked for
// a week of quiet.
const schema0003 = `
CREATE TABLE reminders (
	id {{PK}},
	recipient_id BIGINT NOT NULL REFERENCES people(id),
	item_key TEXT NOT NULL,
	sent_on TEXT NOT NULL,
	outbox_key TEXT NOT NULL,
	UNIQUE (recipient_id, item_key, sent_on)
);
CREATE INDEX reminders_recipient ON reminders (recipient_id, sent_on);

CREATE TABLE snoozes (
	person_id BIGINT PRIMARY KEY REFERENCES people(id),
	until TEXT NOT NULL,
	updated_at {{TS}} NOT NULL
)
`

// schema0004 keeps a manager's wrap-up that gave way, before approval, to
// the wrap-up of the employee's new manager: its rating, free text and
// answers (as JSON), visible to its rater, the rater's manager and HR.
const schema0004 = `
CREATE TABLE earlier_wrap_ups (
	id {{PK}},
	review_id BIGINT NOT NULL REFERENCES reviews(id),
	rater_id BIGINT REFERENCES people(id),
	rating TEXT NOT NULL,
	comments TEXT NOT NULL DEFAULT '',
	development_note TEXT NOT NULL DEFAULT '',
	answers TEXT NOT NULL DEFAULT '[]',
	rated_at {{TS}},
	set_aside_at {{TS}} NOT NULL
);
CREATE INDEX earlier_wrap_ups_review ON earlier_wrap_ups (review_id)
`

// schema0005 gives every outbox claim a token, which each later change to
// the row must show, and records when a send started (started_at, kept
// until its outcome is recorded): only a row whose send started can have
// gone out unrecorded. Rows an older release left leased are taken as
// started, as that release took them. slack_budget is the workspace's
// Slack budget, shared by every process: per Web API method, the
// theoretical arrival time of the next call (a generic cell rate
// algorithm), in microseconds of real time since the Unix epoch.
const schema0005 = `
ALTER TABLE outbox ADD COLUMN claim_token TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN started_at {{TS}};
UPDATE outbox SET started_at = created_at WHERE status = 'pending' AND lease_until IS NOT NULL;
CREATE TABLE slack_budget (
	method TEXT PRIMARY KEY,
	tat BIGINT NOT NULL
)
`

// schema0006 lets the daily purge (Store.Purge) find what it may empty
// without reading the tables whole: request ids by when they were handled,
// and notifications whose message is still kept by status and when they
// were queued (a partial index: the ones already blanked drop out of it).
const schema0006 = `
CREATE INDEX handled_requests_at ON handled_requests (at);
CREATE INDEX outbox_payload_kept ON outbox (status, created_at) WHERE payload <> ''
`

// schema0007 records HR closing a review year: from then on it is no
// longer live beside the new one (no reminders, no digest section, no late
// confirmations). anyway: closed with business still open, as open_items
// says.
const schema0007 = `
CREATE TABLE year_closings (
	fiscal_year INTEGER PRIMARY KEY,
	closed_by TEXT NOT NULL,
	anyway BOOLEAN NOT NULL DEFAULT FALSE,
	open_items TEXT NOT NULL DEFAULT '',
	closed_at {{TS}} NOT NULL
)
`

// schema0008 keeps the employee's say about their released review: when
// they acknowledged seeing it, and their written response.
const schema0008 = `
ALTER TABLE wrap_ups ADD COLUMN acknowledged_at {{TS}};
ALTER TABLE wrap_ups ADD COLUMN response TEXT NOT NULL DEFAULT '';
ALTER TABLE wrap_ups ADD COLUMN responded_at {{TS}}
`

// schema0009 keeps appeals of ratings to central HR: one per review, with
// its reasons, the hearing's due day and day, and HRD's decision (a
// changed rating goes through the final conversation again).
const schema0009 = `
CREATE TABLE appeals (
	id {{PK}},
	review_id BIGINT NOT NULL UNIQUE REFERENCES reviews(id),
	rating TEXT NOT NULL,
	reasons TEXT NOT NULL,
	filed_on TEXT NOT NULL,
	hearing_due TEXT NOT NULL,
	hearing_on TEXT NOT NULL DEFAULT '',
	outcome TEXT NOT NULL DEFAULT '',
	new_rating TEXT NOT NULL DEFAULT '',
	decided_on TEXT NOT NULL DEFAULT '',
	decided_by TEXT NOT NULL DEFAULT '',
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
CREATE INDEX appeals_open ON appeals (outcome, hearing_due)
`

// schema0010 records leave: nothing is due while someone is on it, and
// someone on leave for more than six months of a year is not rated for it.
// to_day is ” while the leave goes on.
const schema0010 = `
CREATE TABLE leaves (
	id {{PK}},
	person_id BIGINT NOT NULL REFERENCES people(id),
	from_day TEXT NOT NULL,
	to_day TEXT NOT NULL DEFAULT '',
	recorded_by TEXT NOT NULL,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
CREATE INDEX leaves_person ON leaves (person_id)
`

// schema0011 tracks the improvement plan a Below Expectations rating calls
// for: what must improve, the support, the day it is looked at again, and
// how that went; it runs until closed, into the next year if need be.
const schema0011 = `
CREATE TABLE improvement_plans (
	id {{PK}},
	person_id BIGINT NOT NULL REFERENCES people(id),
	fiscal_year INTEGER NOT NULL,
	improve TEXT NOT NULL,
	support TEXT NOT NULL,
	reevaluate_on TEXT NOT NULL,
	outcome TEXT NOT NULL DEFAULT '',
	closed_on TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
CREATE INDEX improvement_plans_person ON improvement_plans (person_id, closed_on)
`

// schema0012 gives HR people a role (agency, secretariat, hrd, chro; an
// hr of true before it is hrd), and ratings their approval chain: the
// secretariat's step, then HRD's (approved_at); a secretariat over the
// cap asks for an exception, which the CHRO grants. HRD may combine a
// small secretariat with another for the cap.
const schema0012 = `
ALTER TABLE people ADD COLUMN hr_role TEXT NOT NULL DEFAULT '';
UPDATE people SET hr_role = 'hrd' WHERE hr;
ALTER TABLE rating_approvals ADD COLUMN checked_at {{TS}};
ALTER TABLE rating_approvals ADD COLUMN checked_by TEXT NOT NULL DEFAULT '';
ALTER TABLE rating_approvals ADD COLUMN checked_counts TEXT NOT NULL DEFAULT '';
ALTER TABLE rating_approvals ADD COLUMN exception_asked_at {{TS}};
ALTER TABLE rating_approvals ADD COLUMN exception_asked_by TEXT NOT NULL DEFAULT '';
ALTER TABLE rating_approvals ADD COLUMN exception_granted_at {{TS}};
ALTER TABLE rating_approvals ADD COLUMN exception_granted_by TEXT NOT NULL DEFAULT '';
CREATE TABLE pool_combinations (
	id {{PK}},
	fiscal_year INTEGER NOT NULL,
	secretariat TEXT NOT NULL,
	into_secretariat TEXT NOT NULL,
	reason TEXT NOT NULL,
	combined_by TEXT NOT NULL,
	created_at {{TS}} NOT NULL,
	UNIQUE (fiscal_year, secretariat)
)
`

// schema0013 keeps what each digest counted, by its day, so that the next
// digests can draw the quarter's overdue items week by week.
const schema0013 = `
CREATE TABLE digest_counts (
	day TEXT PRIMARY KEY,
	overdue INTEGER NOT NULL,
	created_at {{TS}} NOT NULL
)
`

// schema0014 holds what HR loads about pay for a merit year, and the
// managers' proposals (salaries are confidential: read by the person's
// manager chain and HR, never in a channel, digest, log or metric).
const schema0014 = `
CREATE TABLE pay_records (
	id {{PK}},
	person_id BIGINT NOT NULL REFERENCES people(id),
	merit_year TEXT NOT NULL,
	m_level TEXT NOT NULL,
	base_salary BIGINT NOT NULL,
	class TEXT NOT NULL,
	hire_date TEXT NOT NULL,
	position_date TEXT NOT NULL DEFAULT '',
	leave_months INTEGER NOT NULL DEFAULT 0,
	military_leave BOOLEAN NOT NULL DEFAULT FALSE,
	acting BOOLEAN NOT NULL DEFAULT FALSE,
	collision BOOLEAN NOT NULL DEFAULT FALSE,
	eligibility_approved_by TEXT NOT NULL DEFAULT '',
	eligibility_approved_at {{TS}},
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	UNIQUE (person_id, merit_year)
);
CREATE TABLE merit_proposals (
	id {{PK}},
	person_id BIGINT NOT NULL REFERENCES people(id),
	merit_year TEXT NOT NULL,
	secretariat TEXT NOT NULL,
	base_bp INTEGER NOT NULL,
	bonus_cents BIGINT NOT NULL,
	increase_cents BIGINT NOT NULL,
	new_salary_cents BIGINT NOT NULL,
	proposed_by TEXT NOT NULL,
	exception_reason TEXT NOT NULL DEFAULT '',
	exception_granted_by TEXT NOT NULL DEFAULT '',
	exception_granted_at {{TS}},
	returned_reason TEXT NOT NULL DEFAULT '',
	returned_by TEXT NOT NULL DEFAULT '',
	returned_at {{TS}},
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	UNIQUE (person_id, merit_year)
);
ALTER TABLE wrap_ups ADD COLUMN merit_notice_on TEXT NOT NULL DEFAULT '';
CREATE TABLE merit_agency_splits (
	id {{PK}},
	merit_year TEXT NOT NULL,
	agency TEXT NOT NULL,
	reason TEXT NOT NULL,
	split_by TEXT NOT NULL,
	created_at {{TS}} NOT NULL,
	UNIQUE (merit_year, agency)
);
CREATE TABLE merit_approvals (
	id {{PK}},
	merit_year TEXT NOT NULL,
	secretariat TEXT NOT NULL,
	budget_cents BIGINT NOT NULL,
	cost_cents BIGINT NOT NULL,
	approved_by TEXT NOT NULL,
	approved_at {{TS}} NOT NULL,
	UNIQUE (merit_year, secretariat)
)
`
