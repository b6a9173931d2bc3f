package review

import (
	"strings"
	"testing"
)

// FuzzReadRoster: any file, however broken, is read without a panic; every
// entry it accepts has a lower-case email with an @ and a name, and a
// manager email that is lower case too; a file with problems says where.
func FuzzReadRoster(f *testing.F) {
	f.Add("email,name,manager_email,unit,hr\nmona@x.org,Mona Lee,,EOHHS,false\neli@x.org,Eli,mona@x.org,EOHHS,true\n")
	f.Add("email,name,manager_email,unit,hr,hire_date\nELI@X.ORG,\"Eli, Jr\",,U,no,2026-02-30\n")
	f.Add("\ufeffemail,name,manager_email,unit,hr\n<!channel>@x.org,<@U123>,,<!here>,false\n")
	f.Add("email,name\n\"unterminated,x\n")
	f.Add("name,email,unit,hr,manager_email\n\u200fעברית@x.org,🎉,,u,false\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, data string) {
		entries, problems := ReadRoster(strings.NewReader(data))
		for _, e := range entries {
			if e.Email == "" || !strings.Contains(e.Email, "@") || e.Email != strings.ToLower(e.Email) || e.ManagerEmail != strings.ToLower(e.ManagerEmail) {
				t.Fatalf("accepted %+v from %q", e, data)
			}
			if strings.TrimSpace(e.Name) == "" {
				t.Fatalf("accepted a nameless %+v from %q", e, data)
			}
		}
		for _, p := range problems {
			if p.String() == "" {
				t.Fatalf("a problem without words from %q", data)
			}
		}
	})
}
