package review

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOverCap(t *testing.T) {
	tests := []struct {
		n, people int
		over      bool
		allows    int
	}{
		{0, 0, false, 0},
		{1, 9, true, 0},
		{1, 10, false, 1},
		{2, 19, true, 1},
		{2, 20, false, 2},
		{3, 20, true, 2},
		{10, 100, false, 10},
		{11, 100, true, 10},
	}
	for _, tt := range tests {
		if got := OverCap(10, tt.n, tt.people); got != tt.over {
			t.Errorf("OverCap(10%%, %d of %d) = %v, want %v", tt.n, tt.people, got, tt.over)
		}
		if got := CapAllows(10, tt.people); got != tt.allows {
			t.Errorf("CapAllows(10%%, %d) = %d, want %d", tt.people, got, tt.allows)
		}
	}
	if OverCap(0, 5, 10) {
		t.Error("a level without a cap is never over it")
	}
}

func TestScales(t *testing.T) {
	for _, s := range Scales {
		got, err := ScaleNamed(strings.ToUpper(s.Name))
		if err != nil || got.Name != s.Name {
			t.Errorf("ScaleNamed(%q) = %v, %v", s.Name, got.Name, err)
		}
		keys := map[string]bool{}
		capped := 0
		for _, r := range s.Ratings {
			if keys[r.Key] || r.Key == "" || r.Name == "" || r.Meaning == "" || len(r.Meaning) > 75 {
				t.Errorf("%s: level %+v: key must be unique and set, meaning one short line (Slack allows 75 characters)", s.Name, r)
			}
			keys[r.Key] = true
			if r.CapPercent > 0 {
				capped++
			}
			if r.BandMin > r.BandMax {
				t.Errorf("%s: %s band %v–%v", s.Name, r.Key, r.BandMin, r.BandMax)
			}
		}
		if capped != 1 {
			t.Errorf("%s: %d capped levels, want 1", s.Name, capped)
		}
	}
	if len(ProgramScale.Ratings) != 4 || len(ACESScale.Ratings) != 5 {
		t.Error("the program scale has four levels and ACES five")
	}
	if _, err := ScaleNamed("stars"); err == nil || !strings.Contains(err.Error(), "program, aces") {
		t.Errorf("ScaleNamed(stars) = %v", err)
	}
	if g := ProgramScale.Ratings[0].GuidelineText(); g != "5–10%, capped at 10%" {
		t.Errorf("guideline = %q", g)
	}
	if g := ProgramScale.Ratings[3].GuidelineText(); g != "0.5–5%" {
		t.Errorf("guideline = %q", g)
	}
}

func uc(unit string, people, exceptional, successful int) UnitCount {
	c := map[string]int{}
	if exceptional > 0 {
		c["exceptional"] = exceptional
	}
	if successful > 0 {
		c["successful"] = successful
	}
	return UnitCount{Unit: unit, People: people, Counts: c}
}

func TestPools(t *testing.T) {
	tests := []struct {
		name     string
		units    []UnitCount
		combined map[string]string
		want     []Pool
	}{
		{
			name:  "a secretariat is one pool, whatever its units' sizes",
			units: []UnitCount{uc("A/B", 10, 1, 9), uc("A", 12, 0, 12), uc("A/C/D", 3, 1, 2)},
			want:  []Pool{{UnitCount: uc("A", 25, 2, 23), Members: []string{"A", "A/B", "A/C/D"}}},
		},
		{
			name:  "a secretariat with nobody of its own is named all the same",
			units: []UnitCount{uc("S/X/Y", 4, 0, 4), uc("S/X/Z", 7, 1, 6)},
			want:  []Pool{{UnitCount: uc("S", 11, 1, 10), Members: []string{"S", "S/X/Y", "S/X/Z"}}},
		},
		{
			name:  "two secretariats are two pools, in order",
			units: []UnitCount{uc("T/X", 3, 1, 2), uc("A/B", 9, 1, 8)},
			want: []Pool{
				{UnitCount: uc("A", 9, 1, 8), Members: []string{"A", "A/B"}},
				{UnitCount: uc("T", 3, 1, 2), Members: []string{"T", "T/X"}},
			},
		},
		{
			name:     "a small secretariat combined with another counts in its pool",
			units:    []UnitCount{uc("T/X", 3, 1, 2), uc("A/B", 9, 1, 8)},
			combined: map[string]string{"T": "A"},
			want:     []Pool{{UnitCount: uc("A", 12, 2, 10), Members: []string{"A", "A/B", "T", "T/X"}}},
		},
		{
			name:     "a combination into a secretariat with nobody to rate makes its pool",
			units:    []UnitCount{uc("T/X", 3, 1, 2)},
			combined: map[string]string{"T": "A"},
			want:     []Pool{{UnitCount: uc("A", 3, 1, 2), Members: []string{"A", "T", "T/X"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Pools(tt.units, tt.combined)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Pools (-want +got):\n%s", diff)
			}
			total := 0
			for _, u := range tt.units {
				total += u.People
			}
			for _, p := range got {
				total -= p.People
			}
			if total != 0 {
				t.Errorf("pools lose or double %d people", total)
			}
		})
	}
}

func TestRollUp(t *testing.T) {
	got := RollUp([]UnitCount{uc("A/B", 9, 1, 8), uc("A", 12, 0, 12), uc("C/D", 2, 0, 2)})
	want := []UnitCount{uc("A", 21, 1, 20), uc("A/B", 9, 1, 8), uc("C", 2, 0, 2), uc("C/D", 2, 0, 2)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RollUp (-want +got):\n%s", diff)
	}
}

func TestApprovalCheck(t *testing.T) {
	pool := func(people, exc, rest int) Pool {
		return Pool{UnitCount: uc("A", people, exc, rest), Members: []string{"A"}}
	}
	tests := []struct {
		name      string
		pool      Pool
		exception string
		code      string
		field     string
	}{
		{"1 of 10 exceptional is allowed", pool(10, 1, 9), "", "", ""},
		{"2 of 19 is over the cap", pool(19, 2, 17), "", EINVALID, FieldException},
		{"2 of 19 with a reason", pool(19, 2, 17), "Two led the flood response.", "", ""},
		{"a blank reason is no reason", pool(19, 2, 17), "   ", EINVALID, FieldException},
		{"missing ratings", pool(10, 1, 8), "", ECONFLICT, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ApprovalCheck(ProgramScale, tt.pool, tt.exception)
			if ErrorCode(err) != tt.code {
				t.Fatalf("err = %v, want code %q", err, tt.code)
			}
			if tt.field != "" && FieldErrors(err)[tt.field] == "" {
				t.Errorf("no error on %s: %v", tt.field, FieldErrors(err))
			}
		})
	}
}

func TestBand(t *testing.T) {
	successful, _ := ProgramScale.Find("successful") // 35–65%
	below, _ := ProgramScale.Find("below")           // 0.5–5%
	tests := []struct {
		name  string
		level Rating
		share float64
		want  string
	}{
		{"just under the band", successful, 34.9, "below the guideline"},
		{"on its floor", successful, 35, "within the guideline"},
		{"inside", successful, 50, "within the guideline"},
		{"on its ceiling", successful, 65, "within the guideline"},
		{"just over the band", successful, 65.1, "above the guideline"},
		{"nobody Below Expectations is under its half-percent floor", below, 0, "below the guideline"},
		{"one in two hundred is on it", below, Share(1, 200), "within the guideline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.level.Band(tt.share); got != tt.want {
				t.Errorf("%s at %v%% is %q, want %q", tt.level.Name, tt.share, got, tt.want)
			}
		})
	}
}

func TestShare(t *testing.T) {
	for _, tt := range []struct {
		n, total int
		want     float64
	}{
		{0, 0, 0}, // an empty unit has no shares
		{0, 10, 0},
		{1, 10, 10},
		{3, 4, 75},
		{10, 10, 100},
	} {
		if got := Share(tt.n, tt.total); got != tt.want {
			t.Errorf("Share(%d of %d) = %v, want %v", tt.n, tt.total, got, tt.want)
		}
	}
}

// TestScaleWithoutCap: the cap is data on the scale; a scale with no
// capped level caps nothing, and its pools are approved once everyone is
// rated.
func TestScaleWithoutCap(t *testing.T) {
	flat := Scale{Name: "flat", Ratings: []Rating{{Key: "met", Name: "Met"}, {Key: "not_met", Name: "Not Met", NeedsPlan: true}}}
	if r, ok := flat.Capped(); ok {
		t.Errorf("Capped = %+v on a scale without a cap", r)
	}
	for _, s := range Scales {
		top, ok := s.Capped()
		if !ok || top.Key != "exceptional" || top.CapPercent != 10 {
			t.Errorf("%s: capped level = %+v, %v; want Exceptional at 10%%", s.Name, top, ok)
		}
	}
	all := Pool{UnitCount: UnitCount{Unit: "A", People: 2, Counts: map[string]int{"met": 2}}, Members: []string{"A"}}
	if err := ApprovalCheck(flat, all, ""); err != nil {
		t.Errorf("ApprovalCheck = %v", err)
	}
}

func TestUnits(t *testing.T) {
	for unit, parent := range map[string]string{"S/A/B": "S/A", "S/A": "S", "S": ""} {
		if got := ParentUnit(unit); got != parent {
			t.Errorf("ParentUnit(%q) = %q, want %q", unit, got, parent)
		}
	}
	for _, tt := range []struct {
		unit, in string
		want     bool
	}{
		{"EOHHS", "EOHHS", true},
		{"EOHHS/Public Health", "EOHHS", true},
		{"EOHHS/Public Health/Labs", "EOHHS", true},
		{"EOHHSX", "EOHHS", false}, // a name that starts the same is another unit
		{"EOHHS", "EOHHS/Public Health", false},
		{"EOTSS", "EOHHS", false},
	} {
		if got := InUnit(tt.unit, tt.in); got != tt.want {
			t.Errorf("InUnit(%q, %q) = %v, want %v", tt.unit, tt.in, got, tt.want)
		}
	}
}

func TestPoolOf(t *testing.T) {
	pools := Pools([]UnitCount{uc("A", 12, 0, 12), uc("A/B", 9, 1, 8), uc("C/D", 10, 1, 9)}, nil)
	for unit, want := range map[string]string{"A": "A", "A/B": "A", "C/D": "C", "C": "C"} {
		p, ok := PoolOf(pools, unit)
		if !ok || p.Unit != want {
			t.Errorf("PoolOf(%q) = %q, %v; want %q", unit, p.Unit, ok, want)
		}
	}
	if p, ok := PoolOf(pools, "D"); ok {
		t.Errorf("PoolOf(D) = %+v for a unit nobody is in", p)
	}
}
