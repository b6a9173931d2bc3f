package handlers

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/massperform/massperform/internal/pgtest"
	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage"
	"github.com/massperform/massperform/storage/storagetest"
)

// BenchmarkHRHome measures HR's part of the Home tab for an organisation
// of 10,000 people (20 secretariats, 200 units, a tenth of them managers,
// everyone's year under way): for central HR, who see
// everyone (the digest's whole pass), and for one secretariat's HR, who
// walk a twentieth of it.
func BenchmarkHRHome(b *testing.B) {
	const n = 10000
	now := time.Date(2026, 10, 12, 10, 0, 0, 0, boston)
	for _, db := range []string{storage.SQLite, storage.Postgres} {
		url := filepath.Join(b.TempDir(), "bench.db")
		if db == storage.Postgres {
			url = pgtest.NewDatabase(b)
		}
		s := storagetest.Open(b, url, review.ClockFunc(func() time.Time { return now }))
		managers := n / 10
		entries := make([]review.RosterEntry, n)
		for i := range entries {
			e := review.RosterEntry{Email: fmt.Sprintf("p%06d@x.org", i), Name: fmt.Sprintf("P%06d", i), Unit: fmt.Sprintf("S%02d/U%03d", i%20, i%200),
				SlackID: fmt.Sprintf("U%06d", i), TZ: "America/New_York"}
			if i > 0 && i < managers {
				e.ManagerEmail = "p000000@x.org"
			} else if i >= managers {
				e.ManagerEmail = fmt.Sprintf("p%06d@x.org", i%(managers-1)+1)
			}
			entries[i] = e
		}
		ctx := context.Background()
		if err := s.ApplyRoster(ctx, "bench", review.NewDate(2026, 7, 1), review.PlanRoster(nil, entries, false)); err != nil {
			b.Fatal(err)
		}
		storagetest.SeedYears(b, url, 2027, now)
		h := &handlers{Deps{Store: s, Clock: review.ClockFunc(func() time.Time { return now }), Cal: review.Calendar{Loc: boston},
			Scale: review.ProgramScale, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Wake: func() {}, HRChannel: "C0HR"}}
		for _, who := range []struct {
			name  string
			actor review.Actor
		}{
			{"central", review.Actor{SlackID: "UHR", HR: true, Role: review.HRD}},
			{"secretariat", review.Actor{SlackID: "UHR", HR: true, Role: review.HRSecretariat, Scope: "S00"}},
		} {
			b.Run(fmt.Sprintf("%d/%s/%s", n, db, who.name), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					blocks, err := h.hrHome(ctx, who.actor, 0, 0, maxHomeBlocks-3)
					if err != nil || len(blocks) < 8 {
						b.Fatalf("%d blocks, %v", len(blocks), err)
					}
				}
			})
		}
	}
}
