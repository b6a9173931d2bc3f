package pgtest

import (
	"context"
	"testing"
)

func TestMain(m *testing.M) { Main(m) }

func TestNewDatabase(t *testing.T) {
	a, b := NewDatabase(t), NewDatabase(t)
	if a == b {
		t.Fatalf("two tests got the same database %s", a)
	}
	ctx := context.Background()
	for _, u := range []string{a, b} {
		if err := exec1(ctx, u, "CREATE TABLE t (id int)"); err != nil {
			t.Fatalf("use %s: %v", u, err)
		}
	}
}
