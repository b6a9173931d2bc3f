// Package pgtest gives tests a fresh, empty PostgreSQL database.
//
// When TEST_DATABASE_URL names a server (CI starts one), each database is
// created there. Otherwise the first test that asks starts a throwaway
// cluster from the installed server binaries (initdb and pg_ctl, run as the
// postgres OS user when the tests run as root) in a temporary directory on a
// loopback port, and Main removes it when the package's tests end.
//
// Without PostgreSQL the tests that need it are skipped, unless
// MASSPERFORM_REQUIRE_POSTGRES is set (CI sets it): then they fail.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Environment variables read by this package.
const (
	EnvURL     = "TEST_DATABASE_URL"
	EnvRequire = "MASSPERFORM_REQUIRE_POSTGRES"
)

var (
	once     sync.Once
	adminURL string
	startErr error
	cl       *cluster
)

// NewDatabase creates an empty database and returns its connection URL. The
// database is dropped when t ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	admin, err := Admin()
	if err != nil {
		if os.Getenv(EnvRequire) != "" {
			t.Fatalf("PostgreSQL is required (%s is set) but not available: %v", EnvRequire, err)
		}
		t.Skipf("PostgreSQL not available, skipping: %v (set %s or install the PostgreSQL server)", err, EnvURL)
	}
	name := "mp_test_" + randomHex(6)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := exec1(ctx, admin, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := exec1(ctx, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u, _ := url.Parse(admin)
	u.Path = "/" + name
	return u.String()
}

// Admin returns the URL of the server's maintenance database, starting a
// throwaway cluster if needed.
func Admin() (string, error) {
	once.Do(func() {
		if u := os.Getenv(EnvURL); u != "" {
			adminURL = u
			return
		}
		cl, startErr = startCluster()
		if startErr == nil {
			adminURL = cl.url
		}
	})
	return adminURL, startErr
}

// Server is a PostgreSQL server of one test's own, which the test stops
// and starts again: a database restarted under a running bot.
type Server struct {
	c *cluster
	// URL is the server's maintenance database; NewDatabase-style
	// databases are made with Database.
	URL string
}

// NewServer starts a server for t alone, removed when t ends. Without the
// server's binaries the test is skipped, or fails when
// MASSPERFORM_REQUIRE_POSTGRES is set.
func NewServer(t testing.TB) *Server {
	t.Helper()
	c, err := startCluster()
	if err != nil {
		if os.Getenv(EnvRequire) != "" {
			t.Fatalf("PostgreSQL is required (%s is set) but cannot be started: %v", EnvRequire, err)
		}
		t.Skipf("PostgreSQL not available, skipping: %v", err)
	}
	t.Cleanup(c.stop)
	return &Server{c: c, URL: c.url}
}

// Database creates an empty database on the server and returns its URL.
func (s *Server) Database(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := "mp_test_" + randomHex(6)
	if err := exec1(ctx, s.URL, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	u, _ := url.Parse(s.URL)
	u.Path = "/" + name
	return u.String()
}

// Stop shuts the server down as an operator's restart does: sessions are
// ended, and connections refused until Start.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if out, err := s.c.run("pg_ctl", "-D", filepath.Join(s.c.dir, "data"), "-m", "fast", "-w", "stop"); err != nil {
		t.Fatalf("pg_ctl stop: %v\n%s", err, out)
	}
}

// Start starts the server again, on the same port.
func (s *Server) Start(t testing.TB) {
	t.Helper()
	if out, err := s.c.start(); err != nil {
		t.Fatalf("pg_ctl start: %v\n%s", err, out)
	}
}

// Main runs a package's tests and then stops the cluster they started, if
// any. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if cl != nil {
		cl.stop()
	}
	os.Exit(code)
}

func exec1(ctx context.Context, dsn, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// cluster is a PostgreSQL server this process started.
type cluster struct {
	dir    string
	bin    string
	url    string
	asUser string // run commands as this OS user ("" for the current one)
	opts   string // the server's options, its port among them
}

func startCluster() (*cluster, error) {
	bin, err := findBinaries()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, err
	}
	c := &cluster{dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		// initdb refuses to run as root.
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root and there is no postgres user to run the server as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		c.asUser = "postgres"
	}
	data := filepath.Join(dir, "data")
	if out, err := c.run("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		c.remove()
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	// Retry a few times in case another process takes the port first.
	for attempt := 0; ; attempt++ {
		port, err := freePort()
		if err != nil {
			c.remove()
			return nil, err
		}
		c.opts = fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -k %s -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300", port, dir)
		out, err := c.start()
		if err == nil {
			c.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
			return c, nil
		}
		if attempt == 2 {
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			c.remove()
			return nil, fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, log)
		}
	}
}

func (c *cluster) run(name string, args ...string) ([]byte, error) {
	path := filepath.Join(c.bin, name)
	var cmd *exec.Cmd
	if c.asUser != "" {
		cmd = exec.Command("runuser", append([]string{"-u", c.asUser, "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = c.dir
	return cmd.CombinedOutput()
}

func (c *cluster) start() ([]byte, error) {
	return c.run("pg_ctl", "-D", filepath.Join(c.dir, "data"), "-l", filepath.Join(c.dir, "log"), "-w", "-t", "60", "-o", c.opts, "start")
}

func (c *cluster) stop() {
	_, _ = c.run("pg_ctl", "-D", filepath.Join(c.dir, "data"), "-m", "immediate", "-w", "stop")
	c.remove()
}

func (c *cluster) remove() { os.RemoveAll(c.dir) }

// findBinaries finds the directory holding initdb and pg_ctl: on PATH, or
// in Debian's versioned directories (the newest wins).
func findBinaries() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("no initdb on PATH or in /usr/lib/postgresql/*/bin")
}

func version(binDir string) int {
	v, _ := strconv.Atoi(strings.Split(filepath.Base(filepath.Dir(binDir)), ".")[0])
	return v
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
