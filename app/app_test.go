package app

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/massperform/massperform/config"
	"github.com/massperform/massperform/review"
)

// run runs the program with no settings and returns what it printed.
func run(t *testing.T, a *App, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb strings.Builder
	a.Getenv = func(string) string { return "" }
	a.Stdout, a.Stderr = &out, &errb
	if a.Clock == nil {
		a.Clock = review.SystemClock{}
	}
	code = a.Run(t.Context(), args)
	return out.String(), errb.String(), code
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"-version"}, {"-v"}, {"version"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out, errs, code := run(t, &App{Version: "v1.4.2"}, args...)
			if code != ExitOK || out != "massperform v1.4.2\n" || errs != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want 0 and %q", code, out, errs, "massperform v1.4.2\n")
			}
		})
	}
}

var (
	longFlag  = regexp.MustCompile(`--([a-z][a-z-]*)`)
	shortFlag = regexp.MustCompile(`(?m)^\s+-[a-z]`)
)

// flagsIn lists the --flags a text names, sorted, each once.
func flagsIn(text string) []string {
	var names []string
	for _, m := range longFlag.FindAllStringSubmatch(text, -1) {
		if m[1] != "help" && !slices.Contains(names, m[1]) {
			names = append(names, m[1])
		}
	}
	slices.Sort(names)
	return names
}

// TestHelpAgreesWithUsage: every command's --help spells its options
// --name, lists exactly the options its usage line names, and the program's
// own usage names no option the command does not have.
func TestHelpAgreesWithUsage(t *testing.T) {
	top, _, _ := run(t, &App{}, "--help")
	for _, tc := range []struct {
		args   []string
		prefix string // the command's lines in the program's usage
	}{
		{[]string{"serve"}, "massperform [serve]"},
		{[]string{"migrate"}, "massperform migrate"},
		{[]string{"roster", "import"}, "massperform roster import"},
		{[]string{"export", "compliance"}, "massperform export compliance"},
		{[]string{"jobs", "run"}, "massperform jobs run"},
		{[]string{"rehearsal"}, "massperform rehearsal"},
		{[]string{"rebind"}, "massperform rebind"},
		{[]string{"manifest"}, "massperform manifest"},
		{[]string{"version"}, "massperform version"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, errs, code := run(t, &App{}, append(tc.args, "--help")...)
			if code != ExitOK || errs != "" {
				t.Fatalf("exit %d, stderr %q", code, errs)
			}
			if shortFlag.MatchString(out) {
				t.Errorf("an option is spelled with one dash:\n%s", out)
			}
			usage, rest, _ := strings.Cut(out, "\n")
			options := ""
			if _, o, ok := strings.Cut(rest, "\nOptions:\n"); ok {
				options, _, _ = strings.Cut(o, "\n\n")
			}
			if diff := cmp.Diff(flagsIn(usage), flagsIn(options)); diff != "" {
				t.Errorf("the usage line against the options listed (-usage +options):\n%s", diff)
			}
			var inTop string
			for _, line := range strings.Split(top, "\n") {
				if strings.HasPrefix(strings.TrimSpace(line), tc.prefix) {
					inTop += line + "\n"
				}
			}
			if inTop == "" {
				t.Fatalf("the program's usage has no line for %q", tc.prefix)
			}
			for _, f := range flagsIn(inTop) {
				if !slices.Contains(flagsIn(options), f) {
					t.Errorf("the program's usage gives %s --%s, which its help does not list", tc.prefix, f)
				}
			}
		})
	}
}

func TestServeHelpListsTheSettings(t *testing.T) {
	out, _, code := run(t, &App{}, "serve", "--help")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	for _, v := range config.Vars {
		if !strings.Contains(out, "  "+v.Name+"\n      "+v.About+"\n") {
			t.Errorf("serve --help does not describe %s", v.Name)
		}
	}
}

func TestBadOptionIsNamedAsTyped(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"jobs", "run", "nudges", "--frob"}, "massperform jobs run: there is no option: --frob\nSee \"massperform jobs run --help\".\n"},
		{[]string{"export", "compliance", "--year"}, "massperform export compliance: this option needs a value: --year\nSee \"massperform export compliance --help\".\n"},
		{[]string{"roster", "import", "people.csv", "-dry-run=maybe"}, "massperform roster import: invalid boolean value \"maybe\" for --dry-run: parse error\nSee \"massperform roster import --help\".\n"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, errs, code := run(t, &App{}, tc.args...)
			if code != ExitUsage || out != "" {
				t.Errorf("exit %d, stdout %q; want %d and nothing", code, out, ExitUsage)
			}
			if diff := cmp.Diff(tc.want, errs); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
		})
	}
}
