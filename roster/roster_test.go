package roster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"

	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
)

// fakeDirectory is a Slack workspace's users.
type fakeDirectory struct {
	users   []slack.User
	lookups int
	pages   int
	fail    error
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
	for i := 0; i < len(f.users); i += 1000 {
		f.pages++
		if err := fn(f.users[i:min(i+1000, len(f.users))]); err != nil {
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
	if dir.lookups != 0 || dir.pages != 3 {
		t.Errorf("%d lookups and %d pages, want 0 and 3", dir.lookups, dir.pages)
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
