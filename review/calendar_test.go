package review

import (
	"testing"
	"time"
)

func d(s string) Date {
	t, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestFiscalYearOf(t *testing.T) {
	tests := []struct {
		day  string
		want FiscalYear
	}{
		{"2026-06-30", 2026},
		{"2026-07-01", 2027},
		{"2026-12-31", 2027},
		{"2027-01-01", 2027},
		{"2027-06-30", 2027},
		{"2027-07-01", 2028},
		{"2028-02-29", 2028}, // leap day
	}
	for _, tt := range tests {
		t.Run(tt.day, func(t *testing.T) {
			if got := FiscalYearOf(d(tt.day)); got != tt.want {
				t.Errorf("FiscalYearOf(%s) = %v, want %v", tt.day, got, tt.want)
			}
		})
	}
}

func TestQuarterOf(t *testing.T) {
	tests := []struct {
		day  string
		want Quarter
	}{
		{"2026-07-01", 1}, {"2026-09-30", 1},
		{"2026-10-01", 2}, {"2026-12-31", 2},
		{"2027-01-01", 3}, {"2027-03-31", 3},
		{"2027-04-01", 4}, {"2027-06-30", 4},
		{"2028-02-29", 3},
	}
	for _, tt := range tests {
		t.Run(tt.day, func(t *testing.T) {
			if got := QuarterOf(d(tt.day)); got != tt.want {
				t.Errorf("QuarterOf(%s) = %v, want %v", tt.day, got, tt.want)
			}
		})
	}
}

func TestFiscalYearQuarterBounds(t *testing.T) {
	fy := FiscalYear(2028) // Jul 2027 – Jun 2028, a leap year
	want := [][2]string{
		{"2027-07-01", "2027-09-30"},
		{"2027-10-01", "2027-12-31"},
		{"2028-01-01", "2028-03-31"},
		{"2028-04-01", "2028-06-30"},
	}
	for q := Quarter(1); q <= 4; q++ {
		first, last := fy.Quarter(q)
		if first.String() != want[q-1][0] || last.String() != want[q-1][1] {
			t.Errorf("%v %v = %v..%v, want %v..%v", fy, q, first, last, want[q-1][0], want[q-1][1])
		}
		if QuarterOf(first) != q || QuarterOf(last) != q {
			t.Errorf("%v bounds %v..%v do not fall in %v", fy, first, last, q)
		}
	}
	if fy.Start().String() != "2027-07-01" || fy.End().String() != "2028-06-30" {
		t.Errorf("%v runs %v..%v", fy, fy.Start(), fy.End())
	}
	for _, tt := range []struct {
		day  string
		want bool
	}{{"2027-06-30", false}, {"2027-07-01", true}, {"2028-06-30", true}, {"2028-07-01", false}} {
		if got := fy.Contains(d(tt.day)); got != tt.want {
			t.Errorf("%v.Contains(%s) = %v, want %v", fy, tt.day, got, tt.want)
		}
	}
}

func TestParseFiscalYear(t *testing.T) {
	tests := []struct {
		in      string
		want    FiscalYear
		wantErr bool
	}{
		{"FY2027", 2027, false},
		{"fy2027", 2027, false},
		{" 2027 ", 2027, false},
		{"FY27", 0, true},
		// Years the program could run: FY2000 to FY2200, nothing outside.
		{"FY1999", 0, true},
		{"FY2000", 2000, false},
		{"FY2200", 2200, false},
		{"FY2201", 0, true},
		{"2027-06", 0, true},
		{"", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseFiscalYear(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("ParseFiscalYear(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestCalendarTodayUsesOrganisationZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	cal := Calendar{Loc: ny}
	tests := []struct {
		name    string
		instant time.Time
		today   string
		year    FiscalYear
	}{
		// 03:30 UTC on July 1 is still June 30 in Boston: the old year.
		{"year end in Boston", time.Date(2026, 7, 1, 3, 30, 0, 0, time.UTC), "2026-06-30", 2026},
		{"new year in Boston", time.Date(2026, 7, 1, 4, 0, 0, 0, time.UTC), "2026-07-01", 2027},
		// Daylight saving ends 2026-11-01 at 06:00 UTC.
		{"before the fall back", time.Date(2026, 11, 1, 3, 59, 0, 0, time.UTC), "2026-10-31", 2027},
		{"after the fall back", time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC), "2026-11-01", 2027},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cal.Today(tt.instant); got.String() != tt.today {
				t.Errorf("Today(%v) = %v, want %v", tt.instant, got, tt.today)
			}
			if got := cal.Year(tt.instant); got != tt.year {
				t.Errorf("Year(%v) = %v, want %v", tt.instant, got, tt.year)
			}
		})
	}
}

func TestDate(t *testing.T) {
	if got := d("2028-02-28").AddDays(1).String(); got != "2028-02-29" {
		t.Errorf("leap AddDays = %s", got)
	}
	if got := d("2026-12-31").AddDays(1).String(); got != "2027-01-01" {
		t.Errorf("year AddDays = %s", got)
	}
	if got := d("2026-07-01").DaysUntil(d("2026-09-30")); got != 91 {
		t.Errorf("DaysUntil = %d, want 91", got)
	}
	if got := d("2026-09-30").Human(); got != "Sep 30, 2026" {
		t.Errorf("Human = %q", got)
	}
	if !(Date{}).IsZero() || (Date{}).String() != "" {
		t.Error("zero Date should be empty")
	}
	for _, bad := range []string{"2026-02-30", "2026/07/01", "07-01-2026", ""} {
		if _, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) accepted", bad)
		}
	}
}
