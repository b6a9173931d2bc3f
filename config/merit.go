package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/massperform/massperform/review"
)

// meritFile is a merit year as HR writes it (merit/2007.yaml is the
// example): amounts and percentages are read as text, so that 27848.60 is
// never a float on its way to cents.
type meritFile struct {
	Name         string                      `yaml:"name"`
	RatingsYear  string                      `yaml:"ratings_year"`
	Period       struct{ Start, End string } `yaml:"period"`
	Effective    string                      `yaml:"effective"`
	ProrateUntil string                      `yaml:"prorate_until"`
	Snapshot     string                      `yaml:"snapshot"`
	Step         string                      `yaml:"step"`
	Pool         string                      `yaml:"pool"`
	BonusCap     string                      `yaml:"bonus_cap"`
	Military     string                      `yaml:"military"`
	Bands        yaml.Node                   `yaml:"bands"`
	Grid         map[string][]string         `yaml:"grid"`
}

// ReadMeritYear reads one merit year file, and reports every problem in it
// at once.
func ReadMeritYear(name string, data []byte) (review.MeritYear, error) {
	var f meritFile
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return review.MeritYear{}, fmt.Errorf("%s: %w", name, err)
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	date := func(field, s string) review.Date {
		d, err := review.ParseDate(strings.TrimSpace(s))
		if err != nil {
			bad("%s: %q is not a date like 2007-10-01", field, s)
		}
		return d
	}
	percent := func(field, s string) review.BasisPoints {
		p, err := review.ParsePercent(s)
		if err != nil {
			bad("%s: %v", field, err)
		}
		return p
	}
	y := review.MeritYear{
		Name:         f.Name,
		PeriodStart:  date("period.start", f.Period.Start),
		PeriodEnd:    date("period.end", f.Period.End),
		Effective:    date("effective", f.Effective),
		ProrateUntil: date("prorate_until", f.ProrateUntil),
		Snapshot:     date("snapshot", f.Snapshot),
		Step:         percent("step", f.Step),
		Pool:         percent("pool", f.Pool),
		Military:     percent("military", f.Military),
		Grid:         map[string][4]review.Range{},
	}
	var err error
	if y.RatingsYear, err = review.ParseFiscalYear(f.RatingsYear); err != nil {
		bad("ratings_year: %q is not a review year like FY2007", f.RatingsYear)
	}
	if y.BonusCap, err = review.ParseCents(f.BonusCap); err != nil {
		bad("bonus_cap: %v", err)
	}
	// bands is a mapping kept in the file's order: M-I, M-II, …
	if f.Bands.Kind != yaml.MappingNode {
		bad("bands: a list of M-levels, each with six amounts")
	}
	for i := 0; i+1 < len(f.Bands.Content); i += 2 {
		level := f.Bands.Content[i].Value
		var amounts []string
		if err := f.Bands.Content[i+1].Decode(&amounts); err != nil || len(amounts) != 6 {
			bad("bands.%s: six amounts (statutory minimum, market minimum, the tops of quartiles 1 to 3, maximum)", level)
			continue
		}
		var c [6]review.Cents
		for j, a := range amounts {
			if c[j], err = review.ParseCents(a); err != nil {
				bad("bands.%s: %v", level, err)
			}
		}
		y.Bands = append(y.Bands, review.Band{Level: level, StatutoryMin: c[0], MarketMin: c[1], QuartileTops: [3]review.Cents{c[2], c[3], c[4]}, Max: c[5]})
	}
	for key, cells := range f.Grid {
		if len(cells) != 4 {
			bad("grid.%s: four ranges, quartile 1 to 4", key)
			continue
		}
		var row [4]review.Range
		for q, cell := range cells {
			lo, hi, isRange := strings.Cut(cell, "-")
			row[q].Low = percent(fmt.Sprintf("grid.%s, quartile %d", key, q+1), lo)
			row[q].High = row[q].Low
			if isRange {
				row[q].High = percent(fmt.Sprintf("grid.%s, quartile %d", key, q+1), hi)
			}
		}
		y.Grid[key] = row
	}
	if len(errs) == 0 {
		if err := y.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return review.MeritYear{}, fmt.Errorf("%s:\n%w", name, err)
	}
	return y, nil
}

// ErrNoMeritDir is LoadMeritYears' error when the directory is not there.
var ErrNoMeritDir = errors.New("the merit years' directory (MERIT_DIR) does not exist")

// LoadMeritYears reads every *.yaml file in dir, ordered by the start of
// their periods; a bad file is refused with all its problems, and two
// files of the same year are refused.
func LoadMeritYears(dir string) ([]review.MeritYear, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ErrNoMeritDir, dir)
		}
	}
	var years []review.MeritYear
	var errs []error
	seen := map[string]string{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		y, err := ReadMeritYear(filepath.Base(p), data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if other, dup := seen[y.Name]; dup {
			errs = append(errs, fmt.Errorf("%s and %s are both year %s", other, filepath.Base(p), y.Name))
			continue
		}
		seen[y.Name] = filepath.Base(p)
		years = append(years, y)
	}
	sort.Slice(years, func(i, j int) bool { return years[i].PeriodStart.Before(years[j].PeriodStart) })
	return years, errors.Join(errs...)
}
