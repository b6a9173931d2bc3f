package review

import (
	"strings"
	"testing"
)

// year2007 is the seed's 2007 merit year, with two of its bands (the
// shipped file, merit/2007.yaml, has all twelve; config's tests read it).
func year2007() MeritYear {
	q := func(lo, hi BasisPoints) Range { return Range{lo, hi} }
	return MeritYear{
		Name: "2007", RatingsYear: 2007, PeriodStart: d("2006-10-01"), PeriodEnd: d("2007-09-30"), ProrateUntil: d("2007-07-01"),
		Effective: d("2007-10-01"), Snapshot: d("2007-09-30"), Step: 50, Pool: 350, BonusCap: 250000, Military: 300,
		Bands: []Band{
			{Level: "M-IV", StatutoryMin: 3524768, MarketMin: 4553292, QuartileTops: [3]Cents{5356226, 6159161, 6962095}, Max: 7765029},
			{Level: "M-VII", StatutoryMin: 4459000, MarketMin: 5760132, QuartileTops: [3]Cents{6789238, 7818345, 8847451}, Max: 9876557},
		},
		Grid: map[string][4]Range{
			"exceptional":      {q(600, 750), q(600, 750), q(525, 650), q(525, 650)},
			"highly_effective": {q(375, 550), q(375, 550), q(325, 425), q(325, 425)},
			"successful":       {q(325, 400), q(325, 400), q(250, 350), q(250, 350)},
			"below":            {},
		},
	}
}

func TestMoneyAndPercent(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Cents
		err  bool
	}{
		{"74989.20", 7498920, false}, {"$74,989.20", 7498920, false}, {"2500", 250000, false}, {"0.5", 50, false}, {" 12.07 ", 1207, false},
		{"12.075", 0, true}, {"-5", 0, true}, {"abc", 0, true}, {"", 0, true}, {"1.", 0, true}, {"$", 0, true},
	} {
		got, err := ParseCents(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseCents(%q) = %d, %v", tt.in, got, err)
		}
	}
	for c, want := range map[Cents]string{7498920: "$74,989.20", 5: "$0.05", 100000000: "$1,000,000.00", 99: "$0.99", -250: "-$2.50"} {
		if c.String() != want {
			t.Errorf("%d.String() = %s, want %s", int64(c), c, want)
		}
	}
	for _, tt := range []struct {
		in   string
		want BasisPoints
		err  bool
	}{{"4.5", 450, false}, {"4.5%", 450, false}, {"0.25", 25, false}, {"3", 300, false}, {".5", 50, false}, {"4.125", 0, true}, {"-1", 0, true}, {"x", 0, true}} {
		got, err := ParsePercent(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParsePercent(%q) = %d, %v", tt.in, got, err)
		}
	}
	for bp, want := range map[BasisPoints]string{450: "4.5%", 300: "3%", 25: "0.25%", 5: "0.05%"} {
		if bp.String() != want {
			t.Errorf("%d.String() = %s", int64(bp), bp)
		}
	}
	// Half a cent rounds up; less rounds down.
	if got := Cents(1).Percent(5000); got != 1 { // 0.5 cent
		t.Errorf("half a cent = %d", got)
	}
	if got := Cents(7498920).Percent(450); got != 337451 { // 3,374.514
		t.Errorf("4.5%% of $74,989.20 = %s", got)
	}
}

func TestQuartile(t *testing.T) {
	b := year2007().Bands[0] // M-IV
	for salary, want := range map[Cents]int{3524768: 1, 5356226: 1, 5356227: 2, 6159161: 2, 6159162: 3, 6962095: 3, 6962096: 4, 7765029: 4, 9000000: 4} {
		if got := b.Quartile(salary); got != want {
			t.Errorf("Quartile(%s) = %d, want %d", salary, got, want)
		}
	}
}

// The seed's table of situations, with every cut-off day on each side.
func TestMeritEligibility(t *testing.T) {
	y := year2007()
	base := PayRecord{Level: "M-IV", Salary: 5659992, Class: ClassClassified, HireDate: d("2001-05-03")}
	with := func(f func(*PayRecord)) PayRecord { p := base; f(&p); return p }
	for _, tt := range []struct {
		name     string
		p        PayRecord
		employed bool
		rating   string
		approved bool
		eligible bool
		prorate  int64
		days     int
		needs    bool
		reason   string
	}{
		{"1: hired before the period", base, true, "successful", false, true, 10000, 0, false, ""},
		{"1: hired on its first day", with(func(p *PayRecord) { p.HireDate = d("2006-10-01") }), true, "successful", false, true, 10000, 0, false, ""},
		{"2: hired on its second day", with(func(p *PayRecord) { p.HireDate = d("2006-10-02") }), true, "successful", false, true, 9973, 364, false, "pro-rated, 364 days"},
		{"2: hired the seed's day", with(func(p *PayRecord) { p.HireDate = d("2006-12-29") }), true, "successful", false, true, 7562, 276, false, ""},
		{"2: hired the day before the cut-off", with(func(p *PayRecord) { p.HireDate = d("2007-06-30") }), true, "successful", false, true, 2548, 93, false, "93 days of 365 (25.48% of the year)"},
		{"3: hired on the cut-off", with(func(p *PayRecord) { p.HireDate = d("2007-07-01") }), true, "successful", false, false, 0, 0, false, "eligible from Oct 1, 2008"},
		{"3: hired on the period's last day", with(func(p *PayRecord) { p.HireDate = d("2007-09-30") }), true, "successful", false, false, 0, 0, false, "on or after Jul 1, 2007"},
		{"4: hired after the period", with(func(p *PayRecord) { p.HireDate = d("2007-10-01") }), true, "successful", false, false, 0, 0, false, "after the review period"},
		{"5: terminated", base, false, "successful", false, false, 0, 0, false, "No longer employed"},
		{"7: promoted from a non-manager post before the cut-off", with(func(p *PayRecord) { p.PositionDate = d("2007-06-30") }), true, "successful", false, true, 10000, 0, false, ""},
		{"8: promoted on the cut-off", with(func(p *PayRecord) { p.PositionDate = d("2007-07-01") }), true, "successful", false, false, 0, 0, false, "Became a manager"},
		{"9: promoted after the period", with(func(p *PayRecord) { p.PositionDate = d("2007-10-02") }), true, "successful", false, false, 0, 0, false, "Became a manager"},
		{"10: six months of leave still leaves six of performance", with(func(p *PayRecord) { p.LeaveMonths = 6 }), true, "successful", false, true, 10000, 0, false, ""},
		{"11: seven months of leave", with(func(p *PayRecord) { p.LeaveMonths = 7 }), true, "successful", false, false, 0, 0, false, "less than six months"},
		{"12: military leave: a straight 3%", with(func(p *PayRecord) { p.LeaveMonths = 9; p.Military = true }), true, "", false, true, 10000, 0, false, "straight 3%"},
		{"13/14: acting pay", with(func(p *PayRecord) { p.Acting = true }), true, "successful", false, true, 10000, 0, false, ""},
		{"15: collision, not approved", with(func(p *PayRecord) { p.Collision = true }), true, "successful", false, false, 0, 0, true, "collision"},
		{"15: collision, approved", with(func(p *PayRecord) { p.Collision = true }), true, "successful", true, true, 10000, 0, true, ""},
		{"16: statutory, not approved", with(func(p *PayRecord) { p.Class = ClassStatutory }), true, "successful", false, false, 0, 0, true, "statutory manager"},
		{"16: unclassified, approved", with(func(p *PayRecord) { p.Class = ClassUnclassified }), true, "successful", true, true, 10000, 0, true, ""},
		{"no released rating yet", base, true, "", false, false, 0, 0, false, "No released rating for FY2007"},
		{"Below Expectations: no step nor merit", base, true, "below", false, false, 0, 0, false, "no step or merit"},
		{"a rating the grid does not know", base, true, "fails", false, false, 0, 0, false, "no step or merit"},
		{"no hire date", with(func(p *PayRecord) { p.HireDate = Date{} }), true, "successful", false, false, 0, 0, false, "No hire date"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := y.Eligible(tt.p, tt.employed, tt.rating, tt.approved)
			if e.Eligible != tt.eligible || e.Prorate != tt.prorate || e.Days != tt.days || e.NeedsApproval != tt.needs || !strings.Contains(e.Reason, tt.reason) {
				t.Errorf("Eligible = %+v", e)
			}
		})
	}
}

// In a leap year's period the days can pass 365: the share stops at a
// whole year.
func TestMeritLeapYear(t *testing.T) {
	y := year2007()
	y.PeriodStart, y.PeriodEnd, y.ProrateUntil, y.Effective, y.RatingsYear = d("2007-10-01"), d("2008-09-30"), d("2008-07-01"), d("2008-10-01"), 2008
	p := PayRecord{Level: "M-IV", Salary: 5659992, Class: ClassClassified, HireDate: d("2007-10-02")}
	if e := y.Eligible(p, true, "successful", false); e.Days != 365 || e.Prorate != 10000 {
		t.Errorf("hired on day two of a leap period: %+v", e)
	}
	p.HireDate = d("2008-02-29")
	if e := y.Eligible(p, true, "successful", false); e.Days != 215 || e.Prorate != 5890 {
		t.Errorf("hired on Feb 29: %+v", e)
	}
}

func TestMeritAward(t *testing.T) {
	y := year2007()
	connie := PayRecord{Level: "M-VII", Salary: 9030000, Class: ClassClassified, HireDate: d("2001-01-01")} // $90,300: 4th quartile
	top := PayRecord{Level: "M-IV", Salary: 7700000, Class: ClassClassified, HireDate: d("2001-01-01")}     // $77,000, $650.29 under the max
	atMax := PayRecord{Level: "M-IV", Salary: 7765029, Class: ClassClassified, HireDate: d("2001-01-01")}
	q2 := PayRecord{Level: "M-IV", Salary: 5659992, Class: ClassClassified, HireDate: d("2001-01-01")}
	military := PayRecord{Level: "M-IV", Salary: 5659992, Class: ClassClassified, HireDate: d("2001-01-01"), LeaveMonths: 10, Military: true}
	for _, tt := range []struct {
		name      string
		p         PayRecord
		rating    string
		prop      Proposal
		excepted  bool
		increase  Cents
		newSalary Cents
		field     string // the field refused, "" for none
		says      string
	}{
		// The seed's Connie: 4% to base and a bonus of 2% of base pay, 6%
		// in all, inside 5.25–6.5%.
		{"base and bonus inside the range", connie, "exceptional", Proposal{Base: 400, Bonus: 180600}, false, 361200, 9391200, "", ""},
		{"the low end exactly", q2, "successful", Proposal{Base: 325}, false, 183950, 5843942, "", ""},
		{"the high end exactly", q2, "successful", Proposal{Base: 400}, false, 226400, 5886392, "", ""},
		{"a cent of bonus over the high end", q2, "successful", Proposal{Base: 400, Bonus: 1}, false, 226400, 5886392, FieldMeritBase, "more than 4%"},
		{"under the low end", q2, "successful", Proposal{Base: 300}, false, 169800, 5829792, FieldMeritBase, "allows 3.25–4%"},
		{"past the band's maximum", top, "successful", Proposal{Base: 300}, false, 231000, 7931000, FieldMeritBase, "Up to $650.29 can go to base"},
		{"at the maximum: all of it as a bonus", atMax, "successful", Proposal{Base: 0, Bonus: 194126}, false, 0, 7765029, "", ""},
		{"a bonus over the cap, not excepted", connie, "exceptional", Proposal{Base: 200, Bonus: 300000}, false, 180600, 9210600, FieldMeritBonus, "needs HRD's exception"},
		{"a bonus over the cap, excepted", connie, "exceptional", Proposal{Base: 200, Bonus: 300000}, true, 180600, 9210600, "", ""},
		{"military leave's straight 3%", military, "", Proposal{Base: 300}, false, 169800, 5829792, "", ""},
		{"military leave, something else", military, "", Proposal{Base: 350}, false, 198100, 5858092, FieldMeritBase, "straight 3%"},
		{"negative", q2, "successful", Proposal{Base: -50}, false, 0, 0, FieldMeritBase, "zero or more"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := y.Eligible(tt.p, true, tt.rating, false)
			a, err := y.Award(tt.p, tt.rating, e, tt.prop, tt.excepted)
			fields := FieldErrors(err)
			if tt.field == "" && err != nil || tt.field != "" && !strings.Contains(fields[tt.field], tt.says) {
				t.Fatalf("Award = %+v, %v (%v)", a, err, fields)
			}
			if tt.field == "" && (a.Increase != tt.increase || a.NewSalary != tt.newSalary) {
				t.Errorf("Award = increase %s, new salary %s; want %s, %s", a.Increase, a.NewSalary, tt.increase, tt.newSalary)
			}
		})
	}
	if _, err := y.Award(q2, "below", y.Eligible(q2, true, "below", false), Proposal{Base: 100}, false); ErrorCode(err) != ECONFLICT {
		t.Errorf("an award for Below Expectations = %v", err)
	}
	if _, err := y.Award(PayRecord{Level: "M-99", Salary: 1, HireDate: d("2001-01-01")}, "successful", Eligibility{Eligible: true, Prorate: 10000}, Proposal{Base: 300}, false); ErrorCode(err) != EINVALID {
		t.Errorf("an unknown M-level = %v", err)
	}
	if got := y.PoolBudget(100000000); got != 3500000 {
		t.Errorf("the pool of $1,000,000 = %s", got)
	}
}

func TestMeritYearValidate(t *testing.T) {
	if err := year2007().Validate(); err != nil {
		t.Fatalf("the 2007 year: %v", err)
	}
	for name, break_ := range map[string]func(*MeritYear){
		"period backwards":        func(y *MeritYear) { y.PeriodStart, y.PeriodEnd = y.PeriodEnd, y.PeriodStart },
		"cut-off outside":         func(y *MeritYear) { y.ProrateUntil = d("2008-01-01") },
		"ratings year outside":    func(y *MeritYear) { y.RatingsYear = 2009 },
		"effective inside":        func(y *MeritYear) { y.Effective = d("2007-09-01") },
		"no pool":                 func(y *MeritYear) { y.Pool = 0 },
		"a band twice":            func(y *MeritYear) { y.Bands = append(y.Bands, y.Bands[0]) },
		"a band upside down":      func(y *MeritYear) { y.Bands[0].Max = 1 },
		"a range below the step":  func(y *MeritYear) { y.Grid["successful"] = [4]Range{{25, 400}, {325, 400}, {250, 350}, {250, 350}} },
		"a range the wrong way":   func(y *MeritYear) { y.Grid["successful"] = [4]Range{{400, 325}, {325, 400}, {250, 350}, {250, 350}} },
		"no bands and no grid":    func(y *MeritYear) { y.Bands, y.Grid = nil, nil },
		"no name and no snapshot": func(y *MeritYear) { y.Name, y.Snapshot = "", Date{} },
	} {
		y := year2007()
		break_(&y)
		if err := y.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestReadPayFile(t *testing.T) {
	y := year2007()
	good := "\ufeffEmail,m_level,base_salary,class,hire_date,position_date,leave_months,military_leave,acting,collision\n" +
		"Mona@X.org,m-iv,\"56,599.92\",,2006-12-29,,,,,\n" +
		"eli@x.org,M-VII,$90300,statutory,2001-05-03,2003-01-01,9,true,yes,0\n"
	entries, problems := ReadPayFile(strings.NewReader(good), y)
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	want := []PayEntry{
		{Line: 2, Email: "mona@x.org", Record: PayRecord{Level: "M-IV", Salary: 5659992, Class: ClassClassified, HireDate: d("2006-12-29")}},
		{Line: 3, Email: "eli@x.org", Record: PayRecord{Level: "M-VII", Salary: 9030000, Class: ClassStatutory, HireDate: d("2001-05-03"), PositionDate: d("2003-01-01"), LeaveMonths: 9, Military: true, Acting: true}},
	}
	if len(entries) != 2 || entries[0] != want[0] || entries[1] != want[1] {
		t.Errorf("entries = %+v", entries)
	}

	bad := "email,m_level,base_salary,class,hire_date,leave_months,military_leave\n" +
		"not-an-email,M-IV,56599.92,,2006-12-29,,\n" +
		"a@x.org,M-XX,56599.92,,2006-12-29,,\n" +
		"b@x.org,M-IV,1000.00,,2006-12-29,,\n" +
		"c@x.org,M-IV,lots,tenured,12/29/2006,13,maybe\n" +
		"a@x.org,M-IV,56599.92,,2006-12-29,,\n" +
		"d@x.org,M-IV,56599.92,,2006-12-29,0,true\n" +
		"e@x.org,M-IV\n"
	_, problems = ReadPayFile(strings.NewReader(bad), y)
	var got []string
	for _, p := range problems {
		got = append(got, p.String())
	}
	all := strings.Join(got, "\n")
	for _, w := range []string{
		"line 2: email:", "line 3: m_level \"M-XX\" is not an M-level", "line 4: base_salary is below M-IV's statutory minimum",
		"line 5: base_salary is not an annual salary", "line 5: class must be", "line 5: hire_date \"12/29/2006\"", "line 5: leave_months must be",
		"line 5: military_leave must be true or false", "line 6: a@x.org is also on line 3", "line 7: military_leave is true but leave_months is 0",
		"line 8: expected 7 columns, found 2",
	} {
		if !strings.Contains(all, w) {
			t.Errorf("problems do not say %q:\n%s", w, all)
		}
	}
	if strings.Contains(all, "1000") || strings.Contains(all, "56599") {
		t.Errorf("a problem repeats a salary:\n%s", all)
	}
	for _, tt := range []struct{ in, want string }{
		{"", "the file is empty"},
		{"email,base_salary\n", "missing column \"m_level\""},
		{"email,m_level,base_salary,hire_date,salary\n", "unknown column \"salary\""},
		{"email,m_level,base_salary,hire_date\n", "nobody in it"},
	} {
		_, problems := ReadPayFile(strings.NewReader(tt.in), y)
		if len(problems) == 0 || !strings.Contains(problems[0].String(), tt.want) {
			t.Errorf("%q: %v", tt.in, problems)
		}
	}
}

func TestCanApproveMerit(t *testing.T) {
	y := year2007()
	ok := MeritSummary{RatingsApproved: true, Eligible: 3, Proposed: 3, Budget: 10000, Cost: 10000}
	with := func(f func(*MeritSummary)) MeritSummary { s := ok; f(&s); return s }
	for name, tt := range map[string]struct {
		s    MeritSummary
		says string
	}{
		"all in order, the pool used to the cent": {ok, ""},
		"ratings first":                            {with(func(s *MeritSummary) { s.RatingsApproved = false }), "rating distribution isn't approved yet"},
		"one to propose":                           {with(func(s *MeritSummary) { s.Missing = 1 }), "1 increase to propose"},
		"outside the rules":                        {with(func(s *MeritSummary) { s.Outside = 2 }), "2 proposals outside the rules"},
		"a bonus over the cap":                     {with(func(s *MeritSummary) { s.NeedsException = 1 }), "1 bonus over the bonus cap"},
		"a cent over the pool":                     {with(func(s *MeritSummary) { s.Cost = 10001 }), "over its pool of $100.00 by $0.01"},
		"nobody eligible":                          {with(func(s *MeritSummary) { s.Eligible = 0 }), "Nobody in A is eligible"},
		"an agency on its own, within its own cap": {with(func(s *MeritSummary) { s.OwnPool, s.Rated, s.Top = true, 10, 1 }), ""},
		"an agency on its own, over its own cap":   {with(func(s *MeritSummary) { s.OwnPool, s.Rated, s.Top = true, 10, 2 }), "must keep the 10% cap on Exceptional on its own: 2 of 10"},
		"approved already":                         {with(func(s *MeritSummary) { s.Approved = true }), "already approved"},
	} {
		err := CanApproveMerit(y, "A", tt.s)
		if tt.says == "" && err != nil || tt.says != "" && !strings.Contains(ErrorMessage(err), tt.says) {
			t.Errorf("%s: %v", name, err)
		}
	}
	var s MeritSummary
	q2 := PayRecord{Level: "M-IV", Salary: 5659992, Class: ClassClassified, HireDate: d("2001-01-01")}
	s.Add(y, q2, true, "successful", &Proposal{Base: 350}, false)
	s.Add(y, q2, true, "successful", &Proposal{Base: 500}, false)
	s.Add(y, q2, true, "successful", nil, false)
	s.Add(y, q2, true, "below", nil, false)
	s.Add(y, q2, false, "successful", nil, false)
	if s.Eligible != 3 || s.Proposed != 2 || s.Outside != 1 || s.Missing != 1 || s.NotEligible != 2 || s.Grid["successful"] != [4]int{0, 3, 0, 0} {
		t.Errorf("summary = %+v", s)
	}
}
