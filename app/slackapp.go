package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/slack-go/slack"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/config"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
)

// bindSlackApp asks Slack which app and workspace the bot token is for,
// and refuses them when the database serves another app or workspace
// (storage.BindSlackApp). With bind, a database that serves none yet is
// bound to them. It returns the bot token's app, and whether the database
// serves it (false when it serves none yet).
func bindSlackApp(ctx context.Context, store *storage.Store, api *bot.API, bind bool) (storage.SlackApp, bool, error) {
	id, err := api.Identity(ctx)
	if err != nil {
		return storage.SlackApp{}, false, err
	}
	app := storage.SlackApp{AppID: id.AppID, TeamID: id.TeamID}
	if !bind {
		if bound, err := store.BoundSlackApp(ctx); err != nil || bound == (storage.SlackApp{}) {
			return app, false, err
		}
	}
	if err := store.BindSlackApp(ctx, app); err != nil {
		return app, false, err
	}
	return app, true, nil
}

// tokenRefused reports whether Slack refused the bot token itself.
func tokenRefused(err error) (string, bool) {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		switch se.Err {
		case "invalid_auth", "not_authed", "account_inactive", "token_revoked":
			return se.Err, true
		}
	}
	return "", false
}

// slackFor returns the Web API client of a command that talks to Slack
// with the database, once the database is found to serve the bot token's
// app and workspace. A live database that serves none yet is bound to
// them, unless dryRun; a rehearsal's is bound only by serve, once Slack's
// hello shows nothing else uses the app. Otherwise it says why and
// returns the exit code.
func (a *App) slackFor(ctx context.Context, cmd string, cfg config.Config, store *storage.Store, dryRun bool) (*bot.API, int) {
	api := slackClient(cfg, store, a.logger(cfg), nil)
	_, _, err := bindSlackApp(ctx, store, api, !dryRun && !cfg.Rehearsal)
	if code, refused := tokenRefused(err); refused {
		fmt.Fprintf(a.Stderr, "massperform %s: SLACK_BOT_TOKEN was refused by Slack (%s): copy it again from your Slack app's OAuth & Permissions page\n", cmd, code)
		return nil, ExitUsage
	}
	if _, ours := errors.AsType[*review.Error](err); ours {
		fmt.Fprintf(a.Stderr, "massperform %s: %s\n", cmd, describe(err))
		return nil, ExitFailed
	}
	if err != nil {
		fmt.Fprintf(a.Stderr, "massperform %s: could not ask Slack which app SLACK_BOT_TOKEN belongs to: %v\n", cmd, err)
		return nil, ExitFailed
	}
	return api, ExitOK
}

// helloGuard is what serve asks of each Socket Mode hello: that the
// app-level token is of the app the database serves and, in a rehearsal,
// that nothing else holds a connection to the app when it starts (later,
// Slack may still be counting a connection the rehearsal itself just
// left, so it only warns). The first hello that passes binds a database
// that serves no app yet.
type helloGuard struct {
	ctx      context.Context
	store    *storage.Store
	app      storage.SlackApp // the bot token's app, or the one the database serves; zero when neither is known
	bound    bool             // the database serves app
	rehearse bool
	log      *slog.Logger
}

func (g *helloGuard) check(h bot.Hello) error {
	if g.app.AppID != "" && h.AppID != "" && h.AppID != g.app.AppID {
		return fmt.Errorf("SLACK_APP_TOKEN is an app-level token of the Slack app %s, but SLACK_BOT_TOKEN (and this database) are app %s's: "+
			"both tokens must come from one app; generate an app-level token for app %s under its Basic Information", h.AppID, g.app.AppID, g.app.AppID)
	}
	if g.rehearse && h.Connections > 1 && !h.First {
		// Slack may still count the connection this process just left
		// (a refresh, a network failure): it can't tell that from another
		// deployment, so it warns rather than stopping the rehearsal.
		g.log.Error("Slack says this rehearsal's app has " + countOf(h.Connections-1, "other connection", "other connections") +
			" open after a reconnection: if it is not the one this rehearsal just left, another deployment uses these tokens, and a rehearsal needs a Slack app of its own")
	}
	if g.rehearse && h.Connections > 1 && h.First {
		return fmt.Errorf("this rehearsal's Slack app %s already has %s open, Slack says: another deployment uses these tokens (the live program, or another copy of this rehearsal). "+
			"Slack gives each message to one connection at random, so people's work would be saved in the wrong database. "+
			"A rehearsal needs a Slack app of its own, run as one process: create one from manifests/slack-app.yaml and use its tokens",
			cmp.Or(h.AppID, g.app.AppID), countOf(h.Connections-1, "other connection", "other connections"))
	}
	if !g.bound && g.app.TeamID != "" {
		err := g.store.BindSlackApp(g.ctx, g.app)
		if _, ours := errors.AsType[*review.Error](err); ours {
			return err // another process bound it to another app meanwhile
		}
		if err != nil {
			g.log.Warn("could not record the Slack app this database serves; trying again at the next connection", "err", err)
		} else {
			g.bound = true
		}
	}
	g.log.Info("Slack said hello", "app", h.AppID, "connections", h.Connections)
	return nil
}

// rebind makes the database serve the Slack app of SLACK_BOT_TOKEN, when
// it replaced the database's app in the same workspace.
func (a *App) rebind(ctx context.Context, args []string) int {
	fs := a.flags("rebind", "rebind --yes",
		`Makes this database serve the Slack app of SLACK_BOT_TOKEN from now on. A
database serves the app and workspace that first used it, and refuses any
other; run this only when a new Slack app has replaced the old one in the same
workspace. It refuses another workspace, whose users are other people.`)
	yes := fs.Bool("yes", false, "yes, this database now serves the app of SLACK_BOT_TOKEN")
	if code, done := parse(fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(a.Stderr, "massperform rebind: takes no arguments, only --yes")
		return ExitUsage
	}
	if !*yes {
		fmt.Fprintln(a.Stderr, "massperform rebind: this makes the database serve the Slack app of SLACK_BOT_TOKEN from now on, and refuse the one it served: add --yes to go ahead")
		return ExitUsage
	}
	cfg, ok := a.settings("rebind", config.NeedBotToken)
	if !ok {
		return ExitUsage
	}
	store, _, err := a.openStore(ctx, cfg, a.logger(cfg))
	if err != nil {
		fmt.Fprintln(a.Stderr, "massperform rebind:", describe(err))
		return ExitFailed
	}
	defer store.Close()
	id, err := slackClient(cfg, store, a.logger(cfg), nil).Identity(ctx)
	if err != nil {
		fmt.Fprintf(a.Stderr, "massperform rebind: could not ask Slack which app SLACK_BOT_TOKEN belongs to: %v\n", err)
		return ExitFailed
	}
	app := storage.SlackApp{AppID: id.AppID, TeamID: id.TeamID}
	was, err := store.RebindSlackApp(ctx, app)
	if err != nil {
		fmt.Fprintln(a.Stderr, "massperform rebind:", describe(err))
		return ExitFailed
	}
	if was.AppID == "" || was == app {
		fmt.Fprintf(a.Stdout, "This database serves the Slack app %s in workspace %s.\n", app.AppID, app.TeamID)
	} else {
		fmt.Fprintf(a.Stdout, "This database now serves the Slack app %s in workspace %s, and no longer app %s.\n", app.AppID, app.TeamID, was.AppID)
	}
	return ExitOK
}
