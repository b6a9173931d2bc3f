package e2e

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"testing"

	_ "github.com/glebarez/go-sqlite"
	"github.com/jackc/pgx/v5"

	"github.com/massperform/massperform/internal/pgtest"
	"github.com/massperform/massperform/storage/storagetest"
)

// outage makes the bot's database unusable until the returned function is
// called: on SQLite another connection holds the write lock; on PostgreSQL
// the database refuses connections and the bot's sessions are ended.
func outage(t *testing.T, dbURL string) (restore func()) {
	t.Helper()
	ctx := context.Background()
	if !strings.HasPrefix(dbURL, "postgres") {
		db, err := sql.Open("sqlite", "file:"+dbURL+"?_pragma=busy_timeout(100)")
		if err != nil {
			t.Fatal(err)
		}
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
			t.Fatal(err)
		}
		return func() {
			conn.ExecContext(ctx, "ROLLBACK")
			conn.Close()
			db.Close()
		}
	}
	admin, err := pgtest.Admin()
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(dbURL)
	name := strings.TrimPrefix(u.Path, "/")
	exec := func(sql string) {
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS false")
	exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name + "'")
	return func() { exec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS true") }
}

func TestLostDatabaseKeepsTheForm(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, url string) {
		w := startCast(t, url, "2026-08-03")
		w.command(mona, "expectations <@U0ELI|eli>")
		form := w.waitTopView(mona, "expectations")
		typed := "Keep the permit backlog under two weeks"

		restore := outage(t, url)
		ack := w.submit(mona, form, values{}.text("new:0", typed))
		errs := ackErrors(ack)
		if !strings.Contains(errs["new:0"], "can't reach our database right now") {
			restore()
			t.Fatalf("submission during the outage answered %s", ack.Payload)
		}
		top := w.topView(mona)
		if top.ID != form.ID || top.State["new:0"]["text"].Value != typed {
			restore()
			t.Fatalf("the form or what was typed was lost: %+v", top.State["new:0"])
		}
		// Commands during the outage get a clear answer too (PostgreSQL
		// refuses even reads; SQLite still reads while the writer is stuck).
		if strings.HasPrefix(url, "postgres") {
			mustContain(t, "help during the outage", w.reply(mona, "help"), "can't reach our database right now")
		}
		restore()

		// The same form, submitted again once the database is back, saves:
		// no restart of the bot.
		if errs := ackErrors(w.submit(mona, top, nil)); errs != nil {
			t.Fatalf("after the outage: %v", errs)
		}
		mustContain(t, "Eli's DM", messageText(w.dm(eli, 1)), typed)
		if n := w.dmCount(eli); n != 1 {
			t.Errorf("Eli got %d DMs, want exactly 1", n)
		}
	})
}
