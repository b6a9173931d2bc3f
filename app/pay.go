package app

import (
	"context"
	"fmt"
	"os"

	"github.com/massperform/massperform/config"
	"github.com/massperform/massperform/review"
)

const payUsage = "Usage: massperform pay import FILE.csv [--year 2007] [--dry-run]\n"

// pay loads HR's pay file for a merit year. It prints counts and problems
// by line, never a salary: its output may land in a terminal's scrollback
// or a job's log.
func (a *App) pay(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] != "import" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(a.Stdout, payUsage)
			return ExitOK
		}
		fmt.Fprint(a.Stderr, payUsage)
		return ExitUsage
	}
	fs := a.flags("pay import", "pay import FILE.csv [--year 2007] [--dry-run]",
		`Loads HR's pay data for a merit year from a CSV file with the header
  email,m_level,base_salary,class,hire_date,position_date,leave_months,military_leave,acting,collision
(email, m_level, base_salary and hire_date required; see README, "Merit pay").
The merit year's file (MERIT_DIR) gives the salary schedule the M-levels and
salaries are checked against. Every email must be someone on the roster. A
file with any problem is rejected whole, with every problem listed by line,
and nothing changes. Salaries are never printed.`)
	year := fs.String("year", "", "the merit `YEAR`, as its file names it (default: the latest in MERIT_DIR)")
	dryRun := fs.Bool("dry-run", false, "check the file and count what would change, without changing anything")
	files, code, done := parseMixed(fs, args[1:])
	if done {
		return code
	}
	if len(files) != 1 {
		fmt.Fprint(a.Stderr, "massperform pay import: name one CSV file\n")
		return ExitUsage
	}
	cfg, ok := a.settings("pay import", config.NeedDatabase)
	if !ok {
		return ExitUsage
	}
	years, err := config.LoadMeritYears(cfg.MeritDir)
	if err != nil {
		fmt.Fprintf(a.Stderr, "massperform pay import: the merit years in %s: %v\n", cfg.MeritDir, err)
		return ExitFailed
	}
	if len(years) == 0 {
		fmt.Fprintf(a.Stderr, "massperform pay import: %s holds no merit year: add one like merit/2007.yaml\n", cfg.MeritDir)
		return ExitFailed
	}
	y := years[len(years)-1]
	if *year != "" {
		found := false
		for _, c := range years {
			if c.Name == *year {
				y, found = c, true
			}
		}
		if !found {
			fmt.Fprintf(a.Stderr, "massperform pay import: --year %s: %s has no such merit year\n", *year, cfg.MeritDir)
			return ExitUsage
		}
	}
	f, err := os.Open(files[0])
	if err != nil {
		fmt.Fprintln(a.Stderr, "massperform pay import:", err)
		return ExitFailed
	}
	defer f.Close()
	entries, problems := review.ReadPayFile(f, y)
	var sum paySummary
	if len(problems) == 0 {
		store, _, err := a.openStore(ctx, cfg, a.logger(cfg))
		if err != nil {
			fmt.Fprintln(a.Stderr, "massperform pay import:", describe(err))
			return ExitFailed
		}
		defer store.Close()
		s, p, err := store.ImportPay(ctx, "pay import", y.Name, entries, *dryRun)
		if err != nil {
			fmt.Fprintln(a.Stderr, "massperform pay import:", err)
			return ExitFailed
		}
		sum, problems = paySummary{s.Added, s.Changed, s.Unchanged, s.Missing}, p
	}
	if len(problems) > 0 {
		fmt.Fprintf(a.Stdout, "%s was not imported: %s. Nothing was changed.\n", files[0], countOf(len(problems), "problem", "problems"))
		for _, p := range problems {
			fmt.Fprintf(a.Stdout, "  %s\n", p)
		}
		return ExitFailed
	}
	if *dryRun {
		fmt.Fprintf(a.Stdout, "Dry run for merit year %s: %s checked, nothing was changed. Importing would leave:\n", y.Name, countOf(len(entries), "person", "people"))
	} else {
		fmt.Fprintf(a.Stdout, "Imported pay for merit year %s, %s:\n", y.Name, countOf(len(entries), "person", "people"))
	}
	fmt.Fprintf(a.Stdout, "  added      %d\n  changed    %d\n  unchanged  %d\n", sum.added, sum.changed, sum.unchanged)
	if sum.missing > 0 {
		fmt.Fprintf(a.Stdout, "  no pay record yet  %d (on the roster, not in any file for %s)\n", sum.missing, y.Name)
	}
	return ExitOK
}

type paySummary struct{ added, changed, unchanged, missing int }
