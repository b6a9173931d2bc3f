package storage

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/massperform/massperform/review"
)

// SlackApp is the Slack app a database serves, and its workspace. Slack
// hands each envelope to one of an app's open connections at random, so
// two deployments on one app would each save some of the other's people's
// work: a database serves the app and workspace that first used it.
type SlackApp struct {
	AppID  string // A…, on the app's Basic Information page
	TeamID string // T…, the workspace
}

// Settings that bind a database to its Slack app.
const (
	settingAppID  = "slack_app_id"
	settingTeamID = "slack_team_id"
)

// BoundSlackApp returns the app and workspace the database serves: zero
// before any command that talks to Slack has used it.
func (s *Store) BoundSlackApp(ctx context.Context) (SlackApp, error) {
	a, err := boundSlackApp(s.read(ctx))
	return a, s.wrap("bound slack app", err)
}

func boundSlackApp(db *gorm.DB) (SlackApp, error) {
	app, err := setting(db, settingAppID)
	if err != nil {
		return SlackApp{}, err
	}
	team, err := setting(db, settingTeamID)
	return SlackApp{AppID: app, TeamID: team}, err
}

// BindSlackApp binds the database to app the first time a command that
// talks to Slack uses it, and afterwards refuses any other app or
// workspace: the error names both and says what to do.
func (s *Store) BindSlackApp(ctx context.Context, app SlackApp) error {
	return s.tx(ctx, "bind slack app", func(tx *gorm.DB, now time.Time) error {
		bound, err := boundSlackApp(tx)
		switch {
		case err != nil:
			return err
		case bound == app:
			return nil
		case bound != SlackApp{}:
			return review.Errorf(review.ECONFLICT, "this database belongs to the Slack app %s in workspace %s, but SLACK_BOT_TOKEN is app %s's, in workspace %s. "+
				"A database serves one Slack app (a rehearsal needs a Slack app of its own): use app %s's tokens, or point DATABASE_URL at app %s's own database. "+
				"If %s has replaced %s in the same workspace, run massperform rebind --yes",
				bound.AppID, bound.TeamID, app.AppID, app.TeamID, bound.AppID, app.AppID, app.AppID, bound.AppID)
		}
		return putSlackApp(tx, app, now)
	})
}

// RebindSlackApp makes the database serve app from now on, when it
// replaced the app the database served in the same workspace. It refuses
// another workspace, whose users are other people. It returns the app the
// database served before (zero if none).
func (s *Store) RebindSlackApp(ctx context.Context, app SlackApp) (SlackApp, error) {
	var bound SlackApp
	err := s.tx(ctx, "rebind slack app", func(tx *gorm.DB, now time.Time) error {
		var err error
		if bound, err = boundSlackApp(tx); err != nil {
			return err
		}
		if bound.TeamID != "" && bound.TeamID != app.TeamID {
			return review.Errorf(review.ECONFLICT, "this database serves workspace %s, and SLACK_BOT_TOKEN is for workspace %s: the people in it are users of %s, so it can't move to another workspace",
				bound.TeamID, app.TeamID, bound.TeamID)
		}
		return putSlackApp(tx, app, now)
	})
	return bound, err
}

func putSlackApp(tx *gorm.DB, app SlackApp, now time.Time) error {
	if err := putSetting(tx, settingAppID, app.AppID, now); err != nil {
		return err
	}
	return putSetting(tx, settingTeamID, app.TeamID, now)
}
