package review

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadRoster(t *testing.T) {
	good := `email,name,manager_email,unit,hr
ceo@example.org,Cee Oh,,EOHHS,false
Mona@Example.org,Mona Lee,ceo@example.org,EOHHS/Public Health,false
eli@example.org,"Eli, Jr.",mona@example.org,EOHHS/Public Health,FALSE
hana@example.org,Hana HR,ceo@example.org,EOHHS,true
sam@example.org,Sam Sec,ceo@example.org,EOHHS/HR,Secretariat
ada@example.org,Ada Agency,ceo@example.org,EOHHS/Public Health,agency
hal@example.org,Hal HRD,ceo@example.org,EOHHS,hrd
cher@example.org,Cher CHRO,,EOHHS, chro 
`
	entries, problems := ReadRoster(strings.NewReader(good))
	if len(problems) > 0 {
		t.Fatalf("problems in a good file: %v", problems)
	}
	want := []RosterEntry{
		{Line: 2, Email: "ceo@example.org", Name: "Cee Oh", Unit: "EOHHS"},
		{Line: 3, Email: "mona@example.org", Name: "Mona Lee", ManagerEmail: "ceo@example.org", Unit: "EOHHS/Public Health"},
		{Line: 4, Email: "eli@example.org", Name: "Eli, Jr.", ManagerEmail: "mona@example.org", Unit: "EOHHS/Public Health"},
		{Line: 5, Email: "hana@example.org", Name: "Hana HR", ManagerEmail: "ceo@example.org", Unit: "EOHHS", HR: true, HRRole: HRD},
		{Line: 6, Email: "sam@example.org", Name: "Sam Sec", ManagerEmail: "ceo@example.org", Unit: "EOHHS/HR", HR: true, HRRole: HRSecretariat},
		{Line: 7, Email: "ada@example.org", Name: "Ada Agency", ManagerEmail: "ceo@example.org", Unit: "EOHHS/Public Health", HR: true, HRRole: HRAgency},
		{Line: 8, Email: "hal@example.org", Name: "Hal HRD", ManagerEmail: "ceo@example.org", Unit: "EOHHS", HR: true, HRRole: HRD},
		{Line: 9, Email: "cher@example.org", Name: "Cher CHRO", Unit: "EOHHS", HR: true, HRRole: CHRO},
	}
	if diff := cmp.Diff(want, entries); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
}

func TestReadRosterHireDateAndBOM(t *testing.T) {
	in := "\ufeffEmail, Name ,manager_email,unit,hr,hire_date\na@x.org,A,,U,false,2026-10-15\nb@x.org,B,a@x.org,U,,\n"
	entries, problems := ReadRoster(strings.NewReader(in))
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	if entries[0].HireDate.String() != "2026-10-15" || !entries[1].HireDate.IsZero() {
		t.Errorf("hire dates = %v, %v", entries[0].HireDate, entries[1].HireDate)
	}
}

// TestReadRosterLeave: leave_from and leave_to are optional; a start
// alone is an open leave, a start and an end (the same day at least) a
// closed one, and an empty pair no leave at all.
func TestReadRosterLeave(t *testing.T) {
	in := `email,name,manager_email,unit,hr,leave_to,leave_from
a@x.org,A,,U,false,,
b@x.org,B,a@x.org,U,false,,2027-01-04
c@x.org,C,a@x.org,U,false,2027-03-31,2027-01-04
d@x.org,D,a@x.org,U,false, 2027-02-01 , 2027-02-01
`
	entries, problems := ReadRoster(strings.NewReader(in))
	if problems != nil {
		t.Fatalf("problems: %v", problems)
	}
	got := map[string]Leave{}
	for _, e := range entries {
		got[e.Email] = e.Leave
	}
	want := map[string]Leave{
		"a@x.org": {},
		"b@x.org": {From: d("2027-01-04")},
		"c@x.org": {From: d("2027-01-04"), To: d("2027-03-31")},
		"d@x.org": {From: d("2027-02-01"), To: d("2027-02-01")},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("leaves (-want +got):\n%s", diff)
	}
	plan := PlanRoster(nil, entries, false)
	var with []string
	for _, e := range plan.Leaves {
		with = append(with, e.Email)
	}
	if diff := cmp.Diff([]string{"b@x.org", "c@x.org", "d@x.org"}, with); diff != "" {
		t.Errorf("the plan's leaves (-want +got):\n%s", diff)
	}
}

func TestReadRosterProblems(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty file", "", []string{"the file is empty: it needs a header line email,name,manager_email,unit,hr"}},
		{"header only", "email,name,manager_email,unit,hr\n", []string{"the file has a header but nobody in it"}},
		{
			"bad header",
			"email,name,boss,unit\n",
			[]string{
				`line 1: unknown column "boss" (the columns are email,name,manager_email,unit,hr, and optionally hire_date,leave_from,leave_to)`,
				`line 1: missing column "manager_email"`,
				`line 1: missing column "hr"`,
			},
		},
		{"repeated column", "email,name,manager_email,unit,hr,name\n", []string{`line 1: column "name" appears twice`}},
		{
			"every kind of row problem, all reported",
			`email,name,manager_email,unit,hr
top@x.org,Top,,U,false
not-an-email,Bad,top@x.org,U,false
a@x.org,,top@x.org,,maybe
b@x.org,B,top@x.org,U
c@x.org,C,ghost@x.org,U,false
TOP@x.org,Top Again,,U,false
d@x.org,D,d@x.org,U,false
e@x.org,E,top@x.org,U,false,extra
f@x.org,F,"Boss <top@x.org>",U,false
g@x.org,G,top@x.org,U,false,
h@x.org,H,nobody@x.org,U,perhaps
`,
			[]string{
				`line 3: email: "not-an-email" is not an email address`,
				"line 4: name is empty",
				"line 4: unit is empty",
				`line 4: hr must be agency, secretariat, hrd, chro, true or false, not "maybe"`,
				"line 5: expected 5 columns, found 4",
				"line 6: manager ghost@x.org is not in the file",
				"line 7: top@x.org is already on line 2",
				"line 8: manager_email: a person cannot be their own manager",
				"line 9: expected 5 columns, found 6",
				`line 10: manager_email: "Boss <top@x.org>" is not an email address`,
				"line 11: expected 5 columns, found 6",
				`line 12: hr must be agency, secretariat, hrd, chro, true or false, not "perhaps"`,
				"line 12: manager nobody@x.org is not in the file",
			},
		},
		{
			"a reporting cycle is reported once",
			`email,name,manager_email,unit,hr
x@x.org,X,z@x.org,U,false
y@x.org,Y,x@x.org,U,false
z@x.org,Z,y@x.org,U,false
w@x.org,W,x@x.org,U,false
`,
			[]string{"line 2: reporting cycle: x@x.org → z@x.org → y@x.org → x@x.org"},
		},
		{
			"two separate cycles",
			`email,name,manager_email,unit,hr
a@x.org,A,b@x.org,U,false
b@x.org,B,a@x.org,U,false
c@x.org,C,d@x.org,U,false
d@x.org,D,c@x.org,U,false
`,
			[]string{
				"line 2: reporting cycle: a@x.org → b@x.org → a@x.org",
				"line 4: reporting cycle: c@x.org → d@x.org → c@x.org",
			},
		},
		{
			"broken quoting",
			"email,name,manager_email,unit,hr\na@x.org,\"A,,U,false\n",
			[]string{`line 2: not valid CSV: extraneous or missing " in quoted-field`},
		},
		{"a header that is not CSV", "email,na\"me,manager_email,unit,hr\na@x.org,A,,U,false\n", []string{`line 1: the header line is not valid CSV: bare " in non-quoted-field`}},
		{
			"a line that is not CSV does not hide the lines after it",
			"email,name,manager_email,unit,hr\na@x.org,A\"x,,U,false\nnot-an-email,B,,U,false\n",
			[]string{
				`line 2: not valid CSV: bare " in non-quoted-field`,
				`line 3: email: "not-an-email" is not an email address`,
			},
		},
		{
			"a line of one column is a short line",
			"email,name,manager_email,unit,hr\na@x.org,A,,U,false\nb@x.org\n",
			[]string{"line 3: expected 5 columns, found 1"},
		},
		{
			"names and units up to 200 characters",
			"email,name,manager_email,unit,hr\n" +
				"a@x.org," + strings.Repeat("é", MaxNameLength) + ",," + strings.Repeat("u", MaxUnitLength) + ",false\n" +
				"b@x.org," + strings.Repeat("é", MaxNameLength+1) + ",a@x.org," + strings.Repeat("u", MaxUnitLength+1) + ",false\n",
			[]string{"line 3: name is longer than 200 characters", "line 3: unit is longer than 200 characters"},
		},
		{
			"a reporting cycle is reported on its first line in the file, wherever the walk meets it",
			`email,name,manager_email,unit,hr
w@x.org,W,y@x.org,U,false
z@x.org,Z,y@x.org,U,false
x@x.org,X,z@x.org,U,false
y@x.org,Y,x@x.org,U,false
`,
			[]string{"line 3: reporting cycle: y@x.org → x@x.org → z@x.org → y@x.org"},
		},
		{"bad hire date", "email,name,manager_email,unit,hr,hire_date\na@x.org,A,,U,false,01/07/2026\n", []string{`line 2: hire_date "01/07/2026" is not a date like 2026-07-01`}},
		{
			"every leave problem, by line, with the rest of the row's",
			`email,name,manager_email,unit,hr,leave_from,leave_to
a@x.org,A,,U,false,2027-01-04,
b@x.org,B,a@x.org,U,false,4 Jan 2027,
c@x.org,C,a@x.org,U,false,2027-01-04,2027-02-30
d@x.org,D,a@x.org,U,false,,2027-03-31
e@x.org,E,a@x.org,U,false,2027-03-31,2027-01-04
f@x.org,,a@x.org,U,false,01/04/2027,soon
`,
			[]string{
				`line 3: leave_from "4 Jan 2027" is not a date like 2027-01-04`,
				`line 4: leave_to "2027-02-30" is not a date like 2027-03-31`,
				"line 5: leave_to needs the leave's start in leave_from",
				"line 6: leave_to 2027-01-04 is before leave_from 2027-03-31",
				"line 7: name is empty",
				`line 7: leave_from "01/04/2027" is not a date like 2027-01-04`,
				`line 7: leave_to "soon" is not a date like 2027-03-31`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entries, problems := ReadRoster(strings.NewReader(tt.in))
			var got []string
			for _, p := range problems {
				got = append(got, p.String())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if entries != nil {
				t.Errorf("entries returned alongside problems: %v", entries)
			}
		})
	}
}

// TestReadRosterBlankLines: lines with nothing on them, spaces included,
// are not people and not problems.
func TestReadRosterBlankLines(t *testing.T) {
	in := "email,name,manager_email,unit,hr\n\na@x.org,A,,U,false\n   \n\t\nb@x.org,B,a@x.org,U,true\n\n"
	entries, problems := ReadRoster(strings.NewReader(in))
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	want := []RosterEntry{
		{Line: 3, Email: "a@x.org", Name: "A", Unit: "U"},
		{Line: 6, Email: "b@x.org", Name: "B", ManagerEmail: "a@x.org", Unit: "U", HR: true, HRRole: HRD},
	}
	if diff := cmp.Diff(want, entries); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
}
