package slackemu

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseUsersCSV(t *testing.T) {
	in := "id,email,name,tz\n# a comment\nU1,alice@example.com,alice,Europe/Paris\nU2, bob@example.com\n"
	got, err := ParseUsersCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []User{
		{ID: "U1", Email: "alice@example.com", Name: "alice", TZ: "Europe/Paris"},
		{ID: "U2", Email: "bob@example.com"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := ParseUsersCSV(strings.NewReader(",x@example.com\n")); err == nil {
		t.Error("empty id accepted")
	}
}
