package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/massperform/massperform/config"
	"github.com/massperform/massperform/review"
)

func day(s string) review.Date { d, _ := review.ParseDate(s); return d }

// The 2007 year shipped in merit/ reads whole, and gives the seed's two
// worked examples to the cent.
func TestShippedMeritYear(t *testing.T) {
	years, err := config.LoadMeritYears(filepath.Join("..", "merit"))
	if err != nil || len(years) != 1 {
		t.Fatalf("LoadMeritYears = %d years, %v", len(years), err)
	}
	y := years[0]
	if y.Name != "2007" || y.RatingsYear != 2007 || y.Effective != day("2007-10-01") || len(y.Bands) != 12 || y.Bands[0].Level != "M-I" || y.Bands[11].Level != "M-XII" {
		t.Fatalf("the 2007 year = %+v", y)
	}
	if b, _ := y.Band("M-VII"); b.Max != 9876557 || b.QuartileTops != [3]review.Cents{6789238, 7818345, 8847451} {
		t.Errorf("M-VII = %+v", b)
	}
	if g := y.Grid["highly_effective"]; g[1] != (review.Range{Low: 375, High: 550}) || g[3] != (review.Range{Low: 325, High: 425}) {
		t.Errorf("grid = %+v", g)
	}

	// Situation 1: hired 5/3/01 as an M-VIII at $74,989.20 (2nd
	// quartile), Highly Effective, 4.5%: $3,374.51, new salary $78,363.71.
	full := review.PayRecord{Level: "M-VIII", Salary: 7498920, Class: review.ClassClassified, HireDate: day("2001-05-03")}
	e := y.Eligible(full, true, "highly_effective", false)
	a, err := y.Award(full, "highly_effective", e, review.Proposal{Base: 450}, false)
	if err != nil || a.Quartile != 2 || a.Increase != 337451 || a.NewSalary != 7836371 {
		t.Errorf("situation 1: %+v, %v", a, err)
	}
	// Situation 2: hired 12/29/06 as an M-IV at $56,599.92 (2nd quartile),
	// Fully Meets, 3.5%, pro-rated 276/365 = .7562: $42,800.86 counted,
	// $1,498.03, new salary $58,097.95.
	part := review.PayRecord{Level: "M-IV", Salary: 5659992, Class: review.ClassClassified, HireDate: day("2006-12-29")}
	e = y.Eligible(part, true, "fully_meets", false)
	a, err = y.Award(part, "fully_meets", e, review.Proposal{Base: 350}, false)
	if err != nil || e.Days != 276 || e.Prorate != 7562 || a.Basis != 4280086 || a.Increase != 149803 || a.NewSalary != 5809795 {
		t.Errorf("situation 2: %+v, %+v, %v", e, a, err)
	}
	if a.Biweekly != 223454 { // $58,097.95 / 26 = $2,234.536…
		t.Errorf("biweekly = %s", a.Biweekly)
	}
}

func TestBadMeritYearFile(t *testing.T) {
	shipped, err := os.ReadFile(filepath.Join("..", "merit", "2007.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, old, new string
		want           []string
	}{
		{"a band out of order", "M-I:    [27848.60, 35974.80", "M-I:    [37848.60, 35974.80", []string{"band M-I"}},
		{"an amount finer than a cent", "60827.70]", "60827.705]", []string{"bands.M-I", "60827.705"}},
		{"a date", "effective: 2007-10-01", "effective: 2007-13-01", []string{"effective", "2007-13-01"}},
		{"a grid row short", "below:            [0, 0, 0, 0]", "below:            [0, 0, 0]", []string{"grid.below: four ranges"}},
		{"a range upside down", "[6-7.5, 6-7.5,", "[7.5-6, 6-7.5,", []string{"grid exceptional, quartile 1"}},
		{"an unknown setting", "military: 3", "military: 3\nbonus: 5", []string{"bonus"}},
		{"two problems at once", "step: 0.5\npool: 3.5", "step: half\npool: lots", []string{"step:", "pool:"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(string(shipped), tt.old) {
				t.Fatalf("the shipped file has no %q", tt.old)
			}
			_, err := config.ReadMeritYear("2007.yaml", []byte(strings.Replace(string(shipped), tt.old, tt.new, 1)))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	dir := t.TempDir()
	for _, n := range []string{"a.yaml", "b.yaml"} {
		if err := os.WriteFile(filepath.Join(dir, n), shipped, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := config.LoadMeritYears(dir); err == nil || !strings.Contains(err.Error(), "both year 2007") {
		t.Errorf("two files of one year = %v", err)
	}
	if _, err := config.LoadMeritYears(filepath.Join(dir, "nope")); err == nil {
		t.Error("a missing directory was accepted")
	}
}
