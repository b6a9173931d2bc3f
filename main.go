// Command massperform runs MassPerform, the Slack app for a
// conversation-based performance year: `go run .` starts the bot.
//
// Usage:
//
//	massperform [serve]          run the bot (the default)
//	massperform migrate          bring the database schema up to date
//	massperform roster import FILE.csv [--dry-run] [--deactivate-missing]
//	massperform export compliance --year FY2027 [--unit U] [--redact] [--out FILE] [--no-bom]
//	massperform jobs run nudges|kickoff|digest|timezones|purge [--as-of DATE] [--dry-run]
//	massperform rehearsal date|advance|reset|seed|status
//	massperform rebind --yes     make the database serve a new Slack app
//	massperform manifest         print the Slack app manifest
//	massperform version          print the version (also --version)
//
// Settings come from the environment and an optional .env file in the
// working directory; see .env.example. The program itself is in package
// app; this file only hands it the process's surroundings.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/massperform/massperform/app"
	"github.com/massperform/massperform/config"
	"github.com/massperform/massperform/review"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// The first signal stops the bot gracefully; restoring the default
		// lets a second one end the process at once.
		<-ctx.Done()
		stop()
	}()
	env, err := config.WithDotEnv(".env", os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "massperform:", err)
		os.Exit(app.ExitUsage)
	}
	a := &app.App{Getenv: env, Stdout: os.Stdout, Stderr: os.Stderr, Clock: review.SystemClock{}, Version: version}
	os.Exit(a.Run(ctx, os.Args[1:]))
}
