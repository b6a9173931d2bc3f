package roster

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/massperform/massperform/internal/pgtest"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

// TestImportStoresWhileReading imports 500 people from a list of 100
// accounts a page into a real database: on PostgreSQL every one of them
// is stored while the list is read, on SQLite at the end. A file refused
// once the list is read leaves nothing, though its new people were being
// stored meanwhile.
func TestImportStoresWhileReading(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s := storagetest.Open(t, url, fixedClock(time.Date(2026, 7, 1, 14, 0, 0, 0, time.UTC)))
		dir := &fakeDirectory{pageSize: 100}
		file := func(from, n int) string {
			var b strings.Builder
			fmt.Fprintf(&b, "email,name,manager_email,unit,hr\nboss%d@x.org,Boss,,U,false\n", from)
			dir.users = append(dir.users, user(fmt.Sprintf("UB%d", from), fmt.Sprintf("boss%d@x.org", from)))
			for i := from; i < from+n-1; i++ {
				email := fmt.Sprintf("p%d@x.org", i)
				dir.users = append(dir.users, user(fmt.Sprintf("U%d", i), email))
				fmt.Fprintf(&b, "%s,P%d,boss%d@x.org,U,false\n", email, i, from)
			}
			return b.String()
		}
		opts := Options{Today: review.NewDate(2026, 7, 1)}
		res, err := Import(context.Background(), strings.NewReader(file(0, 500)), dir, s, opts)
		if err != nil || len(res.Problems) > 0 || res.Summary.Added != 500 {
			t.Fatalf("import = %+v, %v", res, err)
		}
		early := 0
		if s.Dialect() == storage.Postgres {
			early = 500
		}
		if res.Early != early {
			t.Errorf("%d people stored while the list was read, want %d", res.Early, early)
		}

		// 500 more, and one whose account is deactivated.
		gone := user("UGONE", "gone@x.org")
		gone.Deleted = true
		more := file(1000, 500)
		dir.users = append(dir.users, gone)
		res, err = Import(context.Background(), strings.NewReader(more+"gone@x.org,Gone,boss1000@x.org,U,false\n"), dir, s, opts)
		if err != nil || len(res.Problems) != 1 {
			t.Fatalf("import = %+v, %v", res, err)
		}
		if people, err := s.People(context.Background()); err != nil || len(people) != 500 {
			t.Errorf("a refused file left %d people stored, want the 500 of before (%v)", len(people), err)
		}
		res, err = Import(context.Background(), strings.NewReader(more), dir, s, opts)
		if err != nil || res.Summary.Added != 500 || res.Early != early {
			t.Errorf("import = %+v, %v", res, err)
		}
	})
}

// TestImportOutlivesItsDraft imports into a PostgreSQL server that ends
// a session idle in a transaction after 100 ms, with 300 ms between
// Slack's pages: the draft's transaction is ended after the first page,
// and the import stores everyone at the end instead.
func TestImportOutlivesItsDraft(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, dbURL string) {
		if strings.HasPrefix(dbURL, "postgres") {
			u, err := url.Parse(dbURL)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			q.Set("idle_in_transaction_session_timeout", "100")
			u.RawQuery = q.Encode()
			dbURL = u.String()
		}
		s := storagetest.Open(t, dbURL, fixedClock(time.Date(2026, 7, 1, 14, 0, 0, 0, time.UTC)))
		dir := &fakeDirectory{pageSize: 100, pause: 300 * time.Millisecond}
		var b strings.Builder
		b.WriteString("email,name,manager_email,unit,hr\nboss@x.org,Boss,,U,false\n")
		dir.users = append(dir.users, user("UB", "boss@x.org"))
		for i := range 299 {
			email := fmt.Sprintf("p%d@x.org", i)
			dir.users = append(dir.users, user(fmt.Sprintf("U%d", i), email))
			fmt.Fprintf(&b, "%s,P%d,boss@x.org,U,false\n", email, i)
		}
		res, err := Import(context.Background(), strings.NewReader(b.String()), dir, s, Options{Today: review.NewDate(2026, 7, 1)})
		if err != nil || len(res.Problems) > 0 || res.Summary.Added != 300 || res.Early != 0 {
			t.Fatalf("import = %+v, %v", res, err)
		}
		if people, err := s.People(context.Background()); err != nil || len(people) != 300 {
			t.Errorf("%d people stored, want 300 (%v)", len(people), err)
		}
	})
}
