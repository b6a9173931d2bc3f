package e2e

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/massperform/massperform/app"
)

// TestDotEnvTypoStopsWithItsLineOnly runs the built binary in a directory
// whose .env has a typo above the tokens and the database's password: it
// stops at once (exit code 2) with one line naming the file's line, and
// prints none of the file.
func TestDotEnvTypoStopsWithItsLineOnly(t *testing.T) {
	const (
		botToken = "xoxb-7301948265-7402817365-Q8vLmN2pR4sT6uW8yZ0aBc"
		appToken = "xapp-1-A07ABCDEF12-7401234567890-9f8e7d6c5b4a39281706f5e4d3c2b1a0"
		password = "Tr0ub4dor-and-3"
	)
	bin := buildBinary(t)
	dir := t.TempDir()
	env := "# MassPerform\nHR_CHANNEL C0123456789\nSLACK_BOT_TOKEN=" + botToken + "\nSLACK_APP_TOKEN=" + appToken +
		"\nDATABASE_URL=postgres://massperform:" + password + "@db.internal:5432/massperform\n"
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(env), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve")
	cmd.Dir = dir
	cmd.Env = []string{"HTTP_ADDR=off"}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != app.ExitUsage {
		t.Fatalf("serve with a typo in .env: %v\n%s", err, out)
	}
	if got, want := strings.TrimSpace(string(out)), "massperform: .env line 2: is not a setting"; !strings.HasPrefix(got, want) || strings.Count(got, "\n") > 0 {
		t.Errorf("serve said:\n%s\nwant one line starting %q", got, want)
	}
	for _, secret := range []string{botToken, appToken, password, "C0123456789"} {
		if strings.Contains(string(out), secret) {
			t.Errorf("serve printed %q from .env:\n%s", secret, out)
		}
	}
}
