package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/massperform/massperform/config"
	"github.com/massperform/massperform/handlers"
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
	y, code, ok := a.meritYear("pay import", cfg, *year)
	if !ok {
		return code
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

// meritYear is the merit year named (the latest when name is ""), from
// MERIT_DIR.
func (a *App) meritYear(cmd string, cfg config.Config, name string) (review.MeritYear, int, bool) {
	years, err := config.LoadMeritYears(cfg.MeritDir)
	if err != nil {
		fmt.Fprintf(a.Stderr, "massperform %s: the merit years in %s: %v\n", cmd, cfg.MeritDir, err)
		return review.MeritYear{}, ExitFailed, false
	}
	if len(years) == 0 {
		fmt.Fprintf(a.Stderr, "massperform %s: %s holds no merit year: add one like merit/2007.yaml\n", cmd, cfg.MeritDir)
		return review.MeritYear{}, ExitFailed, false
	}
	if name == "" {
		return years[len(years)-1], 0, true
	}
	for _, y := range years {
		if y.Name == name {
			return y, 0, true
		}
	}
	fmt.Fprintf(a.Stderr, "massperform %s: --year %s: %s has no such merit year\n", cmd, name, cfg.MeritDir)
	return review.MeritYear{}, ExitUsage, false
}

// exportMerit writes payroll's file: one line per person with a merit
// proposal, its figures and its status; only approved lines are to be
// paid. Cells are spreadsheet-safe.
func (a *App) exportMerit(ctx context.Context, args []string) int {
	fs := a.flags("export merit", "export merit --year 2027 [--secretariat S] [--out FILE] [--no-bom]",
		`Writes payroll's file for a merit year: one line per person with a merit
proposal (in the secretariat, if one is named), with the old and new salary,
the base increase in percent and dollars, the biweekly salary, the one-time
bonus, the pro-rating factor, the effective date and the status: approved
(central HR approved the secretariat's increases: pay these), waiting for
approval, returned to the manager, or outside the rules now (the pay data or
the rating changed since). Amounts are plain decimals (58580.92). The file
holds salaries: keep it where payroll's files are kept.`)
	year := fs.String("year", "", "the merit `YEAR`, as its file names it (required)")
	secretariat := fs.String("secretariat", "", "only this `SECRETARIAT`")
	out := fs.String("out", "", "write to this `FILE` instead of standard output")
	noBOM := fs.Bool("no-bom", false, "leave out the byte-order mark that tells Excel the file is UTF-8 (accented names)")
	if code, done := parse(fs, args); done {
		return code
	}
	if *year == "" {
		fmt.Fprint(a.Stderr, "massperform export merit: --year is required, like --year 2027\n")
		return ExitUsage
	}
	cfg, ok := a.settings("export merit", config.NeedDatabase)
	if !ok {
		return ExitUsage
	}
	y, code, ok := a.meritYear("export merit", cfg, *year)
	if !ok {
		return code
	}
	store, _, err := a.openStore(ctx, cfg, a.logger(cfg))
	if err != nil {
		fmt.Fprintln(a.Stderr, "massperform export merit:", describe(err))
		return ExitFailed
	}
	defer store.Close()
	cases, approved, err := store.MeritExport(ctx, y, strings.Trim(*secretariat, "/"))
	if err != nil {
		fmt.Fprintln(a.Stderr, "massperform export merit:", err)
		return ExitFailed
	}
	var buf bytes.Buffer
	if !*noBOM {
		buf.WriteString(handlers.ByteOrderMark)
	}
	w := csv.NewWriter(&buf)
	_ = w.Write(review.PayrollColumns)
	counts := map[string]int{}
	for _, c := range cases {
		e := y.Eligible(*c.Pay, c.Person.Active, c.Rating, false)
		award, err := y.Award(*c.Pay, c.Rating, e, c.Proposal.Proposal, c.Proposal.Excepted)
		status := review.PayrollWaiting
		switch {
		case c.Proposal.Returned != "":
			status = review.PayrollReturned
		case err != nil:
			status = review.PayrollOutside
		case approved[c.Person.Unit]:
			status = review.PayrollApproved
		}
		counts[status]++
		rating, _ := cfg.Scale.Find(c.Rating)
		row := []string{c.Person.Email, c.Person.Name, c.Person.Secretariat(), c.Person.Unit, c.Pay.Level, strconv.Itoa(award.Quartile), rating.Name,
			c.Pay.Salary.Decimal(), strings.TrimSuffix(c.Proposal.Base.String(), "%"), award.Increase.Decimal(), award.NewSalary.Decimal(),
			award.Biweekly.Decimal(), award.Bonus.Decimal(), review.Factor(e.Prorate), y.Effective.String(), status}
		for i := range row {
			row[i] = review.SpreadsheetSafe(row[i])
		}
		_ = w.Write(row)
	}
	w.Flush()
	if *out != "" {
		if err := os.WriteFile(*out, buf.Bytes(), 0o600); err != nil {
			fmt.Fprintln(a.Stderr, "massperform export merit:", err)
			return ExitFailed
		}
	} else if _, err := a.Stdout.Write(buf.Bytes()); err != nil {
		fmt.Fprintln(a.Stderr, "massperform export merit:", err)
		return ExitFailed
	}
	fmt.Fprintf(a.Stderr, "Exported %s for merit year %s: %d approved, %d waiting for approval, %d returned, %d outside the rules now.\n",
		countOf(len(cases), "proposal", "proposals"), y.Name, counts[review.PayrollApproved], counts[review.PayrollWaiting], counts[review.PayrollReturned], counts[review.PayrollOutside])
	return ExitOK
}
