package review

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Rating is one level of a rating scale. Everything the product says or
// checks about a level comes from here: its name, its meaning in one line,
// the guideline band, and what choosing it calls for.
type Rating struct {
	Key     string // stable, stored; never shown
	Name    string
	Meaning string // one line, in our words
	// BandMin and BandMax are the guideline share of managers, in percent.
	BandMin, BandMax float64
	// CapPercent, when above zero, is a firm cap on the level's share of a
	// unit: more needs an HR exception with a reason.
	CapPercent int
	// NeedsPlan is set for levels that call for an immediate short-term
	// development plan.
	NeedsPlan bool
}

// Scale is a rating scale: its levels, best first.
type Scale struct {
	Name    string // the configuration name
	Title   string
	Ratings []Rating
}

// ProgramScale is the program's four levels, the default.
var ProgramScale = Scale{Name: "program", Title: "MassPerform", Ratings: []Rating{
	{Key: "exceptional", Name: "Exceptional", Meaning: "Went far beyond what was expected, all year, in ways others noticed.", BandMin: 5, BandMax: 10, CapPercent: 10},
	{Key: "highly_effective", Name: "Highly Effective", Meaning: "Often went beyond expectations and raised the bar for the team.", BandMin: 25, BandMax: 40},
	{Key: "successful", Name: "Successful Performer", Meaning: "Met expectations: solid, dependable work all year.", BandMin: 35, BandMax: 65},
	{Key: "below", Name: "Below Expectations", Meaning: "Missed important expectations; needs a short-term development plan now.", BandMin: 0.5, BandMax: 5, NeedsPlan: true},
}}

// ACESScale is the older five-level scale, selectable by configuration.
var ACESScale = Scale{Name: "aces", Title: "ACES", Ratings: []Rating{
	{Key: "exceptional", Name: "Exceptional", Meaning: "Went far beyond what was expected, all year, in ways others noticed.", BandMin: 0, BandMax: 10, CapPercent: 10},
	{Key: "highly_effective", Name: "Highly Effective", Meaning: "Often went beyond expectations and raised the bar for the team.", BandMin: 15, BandMax: 25},
	{Key: "fully_meets", Name: "Fully Meets Expectations", Meaning: "Met expectations: proficient, dependable work all year.", BandMin: 65, BandMax: 75},
	{Key: "below", Name: "Below Expectations", Meaning: "Missed several expectations; needs a short-term development plan now.", BandMin: 0, BandMax: 5, NeedsPlan: true},
	{Key: "fails", Name: "Fails to Meet Job Requirements", Meaning: "Did not do the job at the level it needs; a plan is needed now.", BandMin: 0, BandMax: 1, NeedsPlan: true},
}}

// Scales are the scales the product knows, by configuration name.
var Scales = []Scale{ProgramScale, ACESScale}

// ScaleNamed returns the scale with the configuration name.
func ScaleNamed(name string) (Scale, error) {
	var names []string
	for _, s := range Scales {
		if strings.EqualFold(s.Name, strings.TrimSpace(name)) {
			return s, nil
		}
		names = append(names, s.Name)
	}
	return Scale{}, fmt.Errorf("unknown rating scale %q: want one of %s", name, strings.Join(names, ", "))
}

// Find returns the level with the key.
func (s Scale) Find(key string) (Rating, bool) {
	for _, r := range s.Ratings {
		if r.Key == key {
			return r, true
		}
	}
	return Rating{}, false
}

// NameOf returns the name of the level with the key, or the key itself
// when the scale has no such level (a rating given on another scale).
func (s Scale) NameOf(key string) string {
	if r, ok := s.Find(key); ok {
		return r.Name
	}
	return key
}

// Capped returns the level with a cap (the top one), if any.
func (s Scale) Capped() (Rating, bool) {
	for _, r := range s.Ratings {
		if r.CapPercent > 0 {
			return r, true
		}
	}
	return Rating{}, false
}

// CapAllows returns how many of people may hold a capped level: the cap's
// share, rounded down.
func CapAllows(capPercent, people int) int { return capPercent * people / 100 }

// OverCap reports whether n of people holding a level with capPercent
// passes the cap: 1 of 10 is within a 10% cap, 2 of 19 is over it.
func OverCap(capPercent, n, people int) bool {
	return capPercent > 0 && n*100 > capPercent*people
}

// UnitCount is one unit's people in the review year, and their ratings.
type UnitCount struct {
	Unit   string         // a path, "Secretariat/Agency/…"
	People int            // people who are to get a rating
	Counts map[string]int // ratings given, by key
	// NotRated is how many more are not rated this year: on leave for
	// more than six months of it.
	NotRated int
}

// Rated returns how many ratings were given.
func (u UnitCount) Rated() int {
	n := 0
	for _, c := range u.Counts {
		n += c
	}
	return n
}

func (u *UnitCount) add(o UnitCount) {
	u.People += o.People
	u.NotRated += o.NotRated
	if u.Counts == nil {
		u.Counts = map[string]int{}
	}
	for k, c := range o.Counts {
		u.Counts[k] += c
	}
}

// ParentUnit returns the unit a unit rolls up to ("" at the top).
func ParentUnit(unit string) string {
	i := strings.LastIndexByte(unit, '/')
	if i < 0 {
		return ""
	}
	return unit[:i]
}

// InUnit reports whether unit is u or inside it.
func InUnit(unit, u string) bool {
	return unit == u || strings.HasPrefix(unit, u+"/")
}

// RollUp returns every unit and every unit above one, each with the totals
// of everything inside it, ordered by path (a parent before its children).
func RollUp(units []UnitCount) []UnitCount {
	all := map[string]*UnitCount{}
	for _, u := range units {
		for p := u.Unit; p != ""; p = ParentUnit(p) {
			t, ok := all[p]
			if !ok {
				t = &UnitCount{Unit: p, Counts: map[string]int{}}
				all[p] = t
			}
			t.add(u)
		}
	}
	out := make([]UnitCount, 0, len(all))
	for _, u := range all {
		out = append(out, *u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Unit < out[j].Unit })
	return out
}

// Pool is a group of people whose ratings are capped, and approved,
// together: a secretariat, with every agency and unit in it, and any small
// secretariat HRD combined with it.
type Pool struct {
	UnitCount          // the pool's totals; Unit is the secretariat it is named by
	Members   []string // the units whose people are in it, Unit first
}

// Pools groups units for the cap by secretariat (a unit path's first
// part). combined maps a secretariat to the one HRD combined it with: its
// people then count in that secretariat's pool.
func Pools(units []UnitCount, combined map[string]string) []Pool {
	byName := map[string]*Pool{}
	var names []string
	for _, u := range units {
		name := poolName(secretariatOf(u.Unit), combined)
		p, ok := byName[name]
		if !ok {
			p = &Pool{UnitCount: UnitCount{Unit: name, Counts: map[string]int{}}}
			byName[name] = p
			names = append(names, name)
		}
		p.add(u)
		p.Members = append(p.Members, u.Unit)
	}
	sort.Strings(names)
	out := make([]Pool, 0, len(names))
	for _, name := range names {
		p := byName[name]
		ms := map[string]bool{name: true}
		for s, into := range combined {
			if poolName(into, combined) == name {
				ms[s] = true
			}
		}
		for _, m := range p.Members {
			ms[m] = true
		}
		delete(ms, name)
		p.Members = append([]string{name}, slices.Sorted(maps.Keys(ms))...)
		out = append(out, *p)
	}
	return out
}

// poolName is the pool a secretariat counts in: the one HRD combined it
// with, or its own.
func poolName(s string, combined map[string]string) string {
	if into := combined[s]; into != "" {
		return into
	}
	return s
}

// Agencies returns the pool's people by agency (a unit path's first two
// parts), in order.
func (p Pool) Agencies(units []UnitCount) []UnitCount {
	byName := map[string]*UnitCount{}
	var names []string
	for _, u := range units {
		if !p.Holds(u.Unit) {
			continue
		}
		parts := strings.SplitN(u.Unit, "/", 3)
		name := strings.Join(parts[:min(2, len(parts))], "/")
		a, ok := byName[name]
		if !ok {
			a = &UnitCount{Unit: name, Counts: map[string]int{}}
			byName[name] = a
			names = append(names, name)
		}
		a.add(u)
	}
	sort.Strings(names)
	out := make([]UnitCount, len(names))
	for i, n := range names {
		out[i] = *byName[n]
	}
	return out
}

// PoolOf returns the pool a unit's people are in.
func PoolOf(pools []Pool, unit string) (Pool, bool) {
	for _, p := range pools {
		if p.Holds(unit) {
			return p, true
		}
	}
	return Pool{}, false
}

// Holds reports whether the unit's people are in the pool.
func (p Pool) Holds(unit string) bool {
	for _, m := range p.Members {
		if m == unit {
			return true
		}
	}
	return false
}

// Share returns n of total as a percentage (0 when total is 0).
func Share(n, total int) float64 {
	if total == 0 {
		return 0
	}
	return 100 * float64(n) / float64(total)
}

// Band says where a level's share sits against its guideline.
func (r Rating) Band(share float64) string {
	switch {
	case share < r.BandMin:
		return "below the guideline"
	case share > r.BandMax:
		return "above the guideline"
	}
	return "within the guideline"
}

// GuidelineText returns the level's guideline, e.g. "5–10%, capped at 10%".
func (r Rating) GuidelineText() string {
	s := fmt.Sprintf("%s–%s%%", trimFloat(r.BandMin), trimFloat(r.BandMax))
	if r.CapPercent > 0 {
		s += fmt.Sprintf(", capped at %d%%", r.CapPercent)
	}
	return s
}

func trimFloat(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", f), "0"), ".")
}
