package storage_test

import (
	"strings"
	"testing"

	"github.com/massperform/massperform/review"
	"github.com/massperform/massperform/storage/storagetest"
)

func TestImportPay(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		s := storagetest.Open(t, url, newClock("2007-09-30T14:00:00Z"))
		mgr, emp := pair(t, s)
		day := func(v string) review.Date { x, _ := review.ParseDate(v); return x }
		entries := []review.PayEntry{
			{Line: 2, Email: mgr.Email, Record: review.PayRecord{Level: "M-VIII", Salary: 7498920, Class: review.ClassClassified, HireDate: day("2001-05-03")}},
			{Line: 3, Email: emp.Email, Record: review.PayRecord{Level: "M-IV", Salary: 5659992, Class: review.ClassClassified, HireDate: day("2006-12-29")}},
		}
		// Someone not on the roster: the whole file is refused.
		stranger := append(entries, review.PayEntry{Line: 4, Email: "nobody@x.org", Record: entries[0].Record})
		if _, problems, err := s.ImportPay(ctx, "roster-admin", "2007", stranger, false); err != nil || len(problems) != 1 || !strings.Contains(problems[0].String(), "line 4: nobody@x.org is not on the roster") {
			t.Fatalf("a stranger: %v, %v", problems, err)
		}
		if got, _ := s.PayOf(ctx, "2007", []int64{mgr.ID, emp.ID}); len(got) != 0 {
			t.Fatalf("a refused file stored %v", got)
		}
		// A dry run counts and stores nothing.
		sum, problems, err := s.ImportPay(ctx, "roster-admin", "2007", entries, true)
		if err != nil || len(problems) > 0 || sum.Added != 2 || sum.Missing != 0 {
			t.Fatalf("dry run: %+v, %v, %v", sum, problems, err)
		}
		if got, _ := s.PayOf(ctx, "2007", []int64{mgr.ID, emp.ID}); len(got) != 0 {
			t.Fatalf("a dry run stored %v", got)
		}
		if sum, _, err = s.ImportPay(ctx, "roster-admin", "2007", entries[:1], false); err != nil || sum.Added != 1 || sum.Missing != 1 {
			t.Fatalf("first import: %+v, %v", sum, err)
		}
		entries[0].Record.Salary = 7500000
		if sum, _, err = s.ImportPay(ctx, "roster-admin", "2007", entries, false); err != nil || sum.Added != 1 || sum.Changed != 1 || sum.Missing != 0 {
			t.Fatalf("second import: %+v, %v", sum, err)
		}
		if sum, _, err = s.ImportPay(ctx, "roster-admin", "2007", entries, false); err != nil || sum.Unchanged != 2 {
			t.Fatalf("the same file again: %+v, %v", sum, err)
		}
		got, err := s.PayOf(ctx, "2007", []int64{mgr.ID, emp.ID})
		if err != nil || got[mgr.ID] != entries[0].Record || got[emp.ID] != entries[1].Record {
			t.Fatalf("PayOf = %+v, %v", got, err)
		}
		if other, _ := s.PayOf(ctx, "2008", []int64{mgr.ID}); len(other) != 0 {
			t.Errorf("another year's records: %v", other)
		}
		id, _ := s.PayRecordID(ctx, mgr.ID, "2007")
		trail, _ := s.AuditTrail(ctx, "pay_record", id)
		if len(trail) != 2 || trail[0].Action != "pay.add" || trail[1].Action != "pay.change" || !strings.Contains(trail[1].Before, "7498920") || !strings.Contains(trail[1].After, "7500000") || trail[1].Actor != "roster-admin" {
			t.Errorf("audit = %+v", trail)
		}
	})
}
