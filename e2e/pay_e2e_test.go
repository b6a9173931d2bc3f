package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/massperform/massperform/storage/storagetest"
)

// TestPayImport: HR loads the cast's pay for the 2007 merit year (the
// shipped example), from the command line: a dry run counts, the import
// stores, a second run changes nothing, and a bad file is refused whole
// with every problem by line and never a salary in the output.
func TestPayImport(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := newWorld(t, url, "2007-09-30")
		w.extra["MERIT_DIR"] = filepath.Join("..", "merit")
		if out, code := w.importRoster(castRoster); code != 0 {
			t.Fatalf("roster import exited %d:\n%s", code, out)
		}
		file := func(body string) string {
			p := filepath.Join(t.TempDir(), "pay.csv")
			if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
		good := file("email,m_level,base_salary,class,hire_date,position_date,leave_months,military_leave,acting,collision\n" +
			"mona@example.org,M-VIII,74989.20,classified,2001-05-03,,,,,\n" +
			"eli@example.org,M-IV,56599.92,,2006-12-29,,,,,\n" +
			"zoe@example.org,M-IV,61000.00,statutory,2004-02-01,,,,,\n")
		out, code := w.cli("pay", "import", good, "--dry-run")
		mustContain(t, "the dry run", out, "Dry run for merit year 2007: 3 people checked, nothing was changed", "added      3", "no pay record yet  3")
		if code != 0 {
			t.Fatalf("dry run exited %d:\n%s", code, out)
		}
		out, code = w.cli("pay", "import", good)
		mustContain(t, "the import", out, "Imported pay for merit year 2007, 3 people", "added      3", "no pay record yet  3")
		out2, _ := w.cli("pay", "import", good, "--year", "2007")
		mustContain(t, "the same file again", out2, "unchanged  3")
		for _, o := range []string{out, out2} {
			mustNotContain(t, "the import's output", o, "74989", "74,989", "56599")
		}
		if code != 0 {
			t.Fatalf("import exited %d", code)
		}
		s := openStore(t, w)
		monaP, _ := s.PersonBySlackID(context.Background(), mona)
		if got, _ := s.PayOf(context.Background(), "2007", []int64{monaP.ID}); got[monaP.ID].Salary != 7498920 || got[monaP.ID].Level != "M-VIII" {
			t.Errorf("Mona's pay = %+v", got[monaP.ID])
		}

		bad := file("email,m_level,base_salary,hire_date\n" +
			"mona@example.org,M-XIV,74989.20,2001-05-03\n" +
			"omar@example.org,M-IV,56599.92,2006-12-29\n" +
			"eli@example.org,M-IV,12000.00,2006-12-29\n")
		out, code = w.cli("pay", "import", bad)
		if code == 0 {
			t.Fatalf("a bad file was imported:\n%s", out)
		}
		mustContain(t, "a bad file", out, "was not imported: 2 problems. Nothing was changed.", "line 2: m_level \"M-XIV\"", "line 4: base_salary is below M-IV's statutory minimum")
		mustNotContain(t, "a bad file", out, "12000", "74989")
		// A file of good lines with someone not on the roster.
		out, code = w.cli("pay", "import", file("email,m_level,base_salary,hire_date\nomar@example.org,M-IV,56599.92,2006-12-29\n"))
		if code == 0 || !strings.Contains(out, "line 2: omar@example.org is not on the roster") {
			t.Errorf("someone not on the roster: %d\n%s", code, out)
		}
		out, code = w.cli("pay", "import", good, "--year", "2031")
		if code == 0 || !strings.Contains(out, "has no such merit year") {
			t.Errorf("a year with no file: %d\n%s", code, out)
		}
	})
}
