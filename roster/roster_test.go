package roster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"

	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
)

// fakeDirectory is a Slack workspace's users.
type fakeDirectory struct {
	users    []slack.User
	pageSize int           // 0: 1,000, as users.list's
	pause    time.Duration // between pages
	lookups  int
	pages    int
	fail     error
}

func (f *fakeDirectory) GetUserByEmailContext(_ context.Context, email string) (*slack.User, error) {
	f.lookups++
	if f.fail != nil {
		return nil, f.fail
	}
	for _, u := range f.users {
		if strings.EqualFold(u.Profile.Email, email) {
			return &u, nil
		}
	}
	return nil, slack.SlackErrorResponse{Err: "users_not_found"}
}

func (f *fakeDirectory) ForEachUser(_ context.Context, fn func([]slack.User) error) error {
	if f.fail != nil {
		return f.fail
	}
	size := f.pageSize
	if size == 0 {
		size = 1000
	}
	for i := 0; i < len(f.users); i += size {
		if i > 0 {
			time.Sleep(f.pause)
		}
		f.pages++
		if err := fn(f.users[i:min(i+size, len(f.users))]); err != nil {
			return err
		}
	}
	return nil
}

func user(id, email string) slack.User {
	return slack.User{ID: id, TZ: "America/Chicago", Profile: slack.UserProfile{Email: email}}
}

// fakeStore keeps the plan it was asked to apply.
type fakeStore struct {
	people  []review.Person
	applied *review.RosterPlan
}

func (f *fakeStore) People(context.Context) ([]review.Person, error) { return f.people, nil }

// BeginRoster has no draft to offer, as on SQLite: everything is applied
// at the end.
func (f *fakeStore) BeginRoster(context.Context, string, review.Date) (*storage.RosterDraft, error) {
	return nil, nil
}
func (f *fakeStore) ApplyRoster(_ context.Context, _ string, _ review.Date, p review.RosterPlan, _ ...storage.Notification) error {
	f.applied = &p
	return nil
}

const file = `email,name,manager_email,unit,hr
a@x.org,A,,U,false
b@x.org,B,a@x.org,U,false
gone@x.org,Gone,a@x.org,U,false
bot@x.org,Bot,a@x.org,U,false
nobody@x.org,Nobody,a@x.org,U,false
`

func TestImportReportsEveryUnusableEmail(t *testing.T) {
	gone := user("U3", "gone@x.org")
	gone.Deleted = true
	bot := user("U4", "bot@x.org")
	bot.IsBot = true
	dir := &fakeDirectory{users: []slack.User{user("U1", "A@X.org"), user("U2", "b@x.org"), gone, bot}}
	store := &fakeStore{}
	res, err := Import(context.Background(), strings.NewReader(file), dir, store, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range res.Problems {
		got = append(got, p.String())
	}
	want := []string{
		"line 4: the Slack account of gone@x.org is deactivated",
		"line 5: bot@x.org belongs to a bot, not a person",
		"line 6: no Slack user has the email nobody@x.org",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if store.applied != nil {
		t.Error("a file with problems was applied")
	}
	if dir.lookups != 5 || dir.pages != 0 {
		t.Errorf("%d lookups, %d pages: a small file is looked up one email at a time", dir.lookups, dir.pages)
	}
}

func TestImportResolvesAndApplies(t *testing.T) {
	dir := &fakeDirectory{users: []slack.User{user("U1", "a@x.org"), user("U2", "b@x.org")}}
	store := &fakeStore{}
	in := "email,name,manager_email,unit,hr\na@x.org,A,,U,false\nb@x.org,B,a@x.org,U,true\n"
	res, err := Import(context.Background(), strings.NewReader(in), dir, store, Options{DryRun: true})
	if err != nil || res.Summary.Added != 2 || store.applied != nil {
		t.Fatalf("dry run: %+v, %v, applied %v", res, err, store.applied)
	}
	res, err = Import(context.Background(), strings.NewReader(in), dir, store, Options{})
	if err != nil || store.applied == nil {
		t.Fatalf("import: %+v, %v", res, err)
	}
	for _, e := range store.applied.Add {
		if e.SlackID == "" || e.TZ != "America/Chicago" {
			t.Errorf("%s was not resolved: %+v", e.Email, e)
		}
	}
}

func TestLargeFileUsesTheUserList(t *testing.T) {
	var b strings.Builder
	b.WriteString("email,name,manager_email,unit,hr\nboss@x.org,Boss,,U,false\n")
	dir := &fakeDirectory{users: []slack.User{user("UB", "boss@x.org")}}
	for i := range 2500 {
		email := fmt.Sprintf("p%d@x.org", i)
		dir.users = append(dir.users, user(fmt.Sprintf("U%d", i), email))
		if i < LookupLimit+10 {
			fmt.Fprintf(&b, "%s,P,boss@x.org,U,false\n", email)
		}
	}
	res, err := Import(context.Background(), strings.NewReader(b.String()), dir, &fakeStore{}, Options{})
	if err != nil || len(res.Problems) > 0 {
		t.Fatalf("%v %v", err, res.Problems)
	}
	// Everyone is on the first page: the other two are not read.
	if dir.lookups != 0 || dir.pages != 1 {
		t.Errorf("%d lookups and %d pages, want 0 and 1", dir.lookups, dir.pages)
	}
}

func TestSlackTroubleStopsTheImport(t *testing.T) {
	dir := &fakeDirectory{fail: errors.New("connection refused")}
	store := &fakeStore{}
	_, err := Import(context.Background(), strings.NewReader(file), dir, store, Options{})
	if err == nil || store.applied != nil {
		t.Fatalf("err = %v, applied = %v", err, store.applied)
	}
}

func deleted(u slack.User) slack.User { u.Deleted = true; return u }

// TestReadingStopsOnceEveryoneIsFound reads Slack's user list three
// accounts a page for a file of a few people, and stops as soon as every
// email has its live account, never before.
func TestReadingStopsOnceEveryoneIsFound(t *testing.T) {
	a, b := user("UA", "a@x.org"), user("UB", "B@x.org")
	others := []slack.User{user("U1", "o1@x.org"), user("U2", "o2@x.org"), user("U3", "o3@x.org")}
	tests := []struct {
		name     string
		file     []string
		users    []slack.User
		pages    int               // read
		resolved map[string]string // email → Slack ID
		problems []string
	}{
		{
			name:  "everyone on the first page",
			file:  []string{"a@x.org", "b@x.org"},
			users: append([]slack.User{a, b, others[0]}, others[1:]...),
			pages: 1, resolved: map[string]string{"a@x.org": "UA", "b@x.org": "UB"},
		},
		{
			name:  "a deactivated duplicate after the live one",
			file:  []string{"a@x.org", "b@x.org"},
			users: []slack.User{a, others[0], others[1], b, deleted(user("UOLD", "a@x.org")), others[2], user("U4", "o4@x.org")},
			pages: 2, resolved: map[string]string{"a@x.org": "UA", "b@x.org": "UB"},
		},
		{
			name:  "the live one after a deactivated duplicate",
			file:  []string{"a@x.org", "b@x.org"},
			users: []slack.User{deleted(user("UOLD", "a@x.org")), b, others[0], others[1], others[2], a, user("U4", "o4@x.org")},
			pages: 2, resolved: map[string]string{"a@x.org": "UA", "b@x.org": "UB"},
		},
		{
			name:  "an email never found",
			file:  []string{"a@x.org", "b@x.org", "nobody@x.org"},
			users: append([]slack.User{a, b}, others...),
			pages: 2, resolved: map[string]string{"a@x.org": "UA", "b@x.org": "UB"},
			problems: []string{"line 3: no Slack user has the email nobody@x.org"},
		},
		{
			name:  "only a deactivated account",
			file:  []string{"a@x.org", "b@x.org"},
			users: append([]slack.User{a, deleted(b)}, others...),
			pages: 2, resolved: map[string]string{"a@x.org": "UA"},
			problems: []string{"line 2: the Slack account of b@x.org is deactivated"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var entries []review.RosterEntry
			for i, email := range tt.file {
				entries = append(entries, review.RosterEntry{Line: i + 1, Email: email})
			}
			dir := &fakeDirectory{users: tt.users, pageSize: 3}
			m, err := readUserList(context.Background(), entries, dir, func(string) {}, func(string) {}, time.Now, nil)
			if err != nil {
				t.Fatal(err)
			}
			if dir.pages != tt.pages {
				t.Errorf("read %d pages, want %d", dir.pages, tt.pages)
			}
			got := map[string]string{}
			for email, u := range m.users {
				if !u.Deleted {
					got[email] = u.ID
				}
			}
			if diff := cmp.Diff(tt.resolved, got); diff != "" {
				t.Errorf("live accounts (-want +got):\n%s", diff)
			}
			var problems []string
			for _, p := range settle(entries, m.users) {
				problems = append(problems, p.String())
			}
			if diff := cmp.Diff(tt.problems, problems); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTimeLeft(t *testing.T) {
	tests := []struct {
		name                          string
		pages, found, total, pageSize int
		want                          time.Duration
	}{
		{"everyone found", 40, 1000, 1000, 1000, 0},
		// 60,130 people missing take at least 61 pages of 1,000.
		{"packed", 40, 39870, 100000, 1000, 61 * 3 * time.Second},
		// Half a page's worth found per page so far: 200 pages for the
		// 100,000 missing, not the 100 that would hold them.
		{"spread", 40, 20000, 120000, 1000, 200 * 3 * time.Second},
		// Nobody found yet: at least the pages that would hold them all.
		{"nobody yet", 10, 0, 2500, 1000, 3 * 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := timeLeft(tt.pages, tt.found, tt.total, tt.pageSize, 3*time.Second); got != tt.want {
				t.Errorf("timeLeft = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestReadingProgress(t *testing.T) {
	tests := []struct {
		pages, found, total int
		left                time.Duration
		want                string
	}{
		{40, 39870, 100000, 183 * time.Second, "Read 40 pages of Slack's user list (39,870 of 100,000 people found), about 3 min left"},
		{10, 9991, 100000, 273 * time.Second, "Read 10 pages of Slack's user list (9,991 of 100,000 people found), about 5 min left"},
		{90, 89991, 100000, 31 * time.Second, "Read 90 pages of Slack's user list (89,991 of 100,000 people found), less than a minute left"},
		{1, 1, 1, 90 * time.Second, "Read 1 page of Slack's user list (1 of 1 person found), about 2 min left"},
		{1200, 999, 1000000, 0, "Read 1,200 pages of Slack's user list (999 of 1,000,000 people found), less than a minute left"},
	}
	for _, tt := range tests {
		if got := readingProgress(tt.pages, tt.found, tt.total, tt.left); got != tt.want {
			t.Errorf("readingProgress(%d, %d, %d, %v)\n got %q\nwant %q", tt.pages, tt.found, tt.total, tt.left, got, tt.want)
		}
	}
}

// TestReadingShowsProgress reads 2,500 people from a list of 100 accounts
// a page, 3.1 s a page on the clock it is given: after every page from the
// second, where the reading is and the time left; and a line to keep when
// everyone is found.
func TestReadingShowsProgress(t *testing.T) {
	var entries []review.RosterEntry
	dir := &fakeDirectory{pageSize: 100}
	for i := range 3000 {
		email := fmt.Sprintf("p%d@x.org", i)
		dir.users = append(dir.users, user(fmt.Sprintf("U%d", i), email))
		if i < 2500 {
			entries = append(entries, review.RosterEntry{Line: i + 2, Email: email})
		}
	}
	clock := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { clock = clock.Add(3100 * time.Millisecond); return clock } // once a page
	var lines, status []string
	if _, err := readUserList(context.Background(), entries, dir, func(s string) { lines = append(lines, s) }, func(s string) { status = append(status, s) }, now, nil); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Found all 2,500 people in 25 pages of Slack's user list, so the rest is not needed."}, lines); diff != "" {
		t.Errorf("lines to keep (-want +got):\n%s", diff)
	}
	if len(status) != 23 {
		t.Fatalf("%d status lines, want one for each of pages 2 to 24:\n%s", len(status), strings.Join(status, "\n"))
	}
	for _, tc := range []struct {
		page int
		want string
	}{
		// 23 pages still needed for 2,300 people, at 3.1 s a page.
		{2, "Read 2 pages of Slack's user list (200 of 2,500 people found), about 1 min left"},
		{10, "Read 10 pages of Slack's user list (1,000 of 2,500 people found), less than a minute left"},
		{24, "Read 24 pages of Slack's user list (2,400 of 2,500 people found), less than a minute left"},
	} {
		if got := status[tc.page-2]; got != tc.want {
			t.Errorf("after page %d:\n got %q\nwant %q", tc.page, got, tc.want)
		}
	}
	if dir.pages != 25 {
		t.Errorf("read %d pages, want 25 of 30", dir.pages)
	}
}

// TestWithoutStatusEveryTenthPage: a caller that takes no status line gets
// the lines of pages 10, 20, … as lines to keep, as before there was one.
func TestWithoutStatusEveryTenthPage(t *testing.T) {
	var kept []string
	status := everyTenthPage(func(s string) { kept = append(kept, s) })
	for page := 2; page <= 31; page++ { // status lines start at the second page
		status(fmt.Sprintf("page %d", page))
	}
	if diff := cmp.Diff([]string{"page 10", "page 20", "page 30"}, kept); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
