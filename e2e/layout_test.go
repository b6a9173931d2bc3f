package e2e

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestImportsPointDown keeps the layout README describes: the rules
// (review) import nothing of ours, storage only the rules, the surfaces and
// the background work build on storage, only main and this suite import
// the composition (app), and README's tree shows every package.
func TestImportsPointDown(t *testing.T) {
	const mod = "github.com/massperform/massperform"
	may := map[string][]string{ // a package: what of ours it may import
		"":                    {"app", "config", "review"},
		"app":                 {"bot", "config", "handlers", "manifests", "metrics", "review", "roster", "scheduler", "storage"},
		"bot":                 {"review"},
		"config":              {"review"},
		"handlers":            {"bot", "review", "scheduler", "storage"},
		"scheduler":           {"bot", "review", "storage"},
		"roster":              {"review", "storage"},
		"storage":             {"review"},
		"review":              {},
		"metrics":             {},
		"manifests":           {},
		"cmd/slackemu":        {"internal/slackemu"},
		"internal/slackemu":   {},
		"internal/pgtest":     {},
		"storage/storagetest": {"internal/pgtest", "review", "storage"},
		"e2e":                 {},
	}
	cmd := exec.Command("go", "list", "-json", mod+"/...")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := map[string]bool{}
	for {
		var p struct {
			ImportPath                         string
			Imports, TestImports, XTestImports []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, mod), "/")
		seen[name] = true
		allowed, known := may[name]
		if !known {
			t.Errorf("package %q is new: say in this test and in README where it sits", p.ImportPath)
			continue
		}
		for _, imp := range p.Imports {
			if ours, ok := strings.CutPrefix(imp, mod+"/"); ok && !slices.Contains(allowed, ours) {
				t.Errorf("%s imports %s", p.ImportPath, imp)
			}
		}
		if name != "" && name != "e2e" && name != "app" {
			for _, imp := range append(p.TestImports, p.XTestImports...) {
				if imp == mod+"/app" {
					t.Errorf("the tests of %s import the composition: only main and e2e may", p.ImportPath)
				}
			}
		}
	}
	for name := range may {
		if !seen[name] {
			t.Errorf("package %q is gone: take it out of this test and README", name)
		}
	}

	// README's tree: a line per folder, each package named in it.
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, tree, _ := strings.Cut(string(readme), "## How it is built\n\n```\n")
	tree, _, _ = strings.Cut(tree, "```")
	lines := map[string]string{} // a folder: its words
	last := ""
	for _, l := range strings.Split(tree, "\n") {
		if f := strings.Fields(l); len(f) > 0 && !strings.HasPrefix(l, " ") {
			last = f[0]
			lines[last] = l
		} else if last != "" {
			lines[last] += l
		}
	}
	for name := range seen {
		if name == "" {
			if _, ok := lines["main.go"]; !ok {
				t.Error("README's tree does not show main.go")
			}
			continue
		}
		if _, ok := lines[name+"/"]; ok {
			continue
		}
		top, rest, _ := strings.Cut(name, "/")
		if words, ok := lines[top+"/"]; !ok || !strings.Contains(words, rest) {
			t.Errorf("README's tree does not show %s", name)
		}
	}
	for folder := range lines {
		if f := strings.TrimSuffix(folder, "/"); f != folder && !seen[f] && !seen[f+"/"] {
			found := false
			for name := range seen {
				found = found || strings.HasPrefix(name, f+"/")
			}
			if !found {
				t.Errorf("README's tree shows %s, which holds no package", folder)
			}
		}
	}
}
