package config

import (
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestVarsListsEverySetting: serve --help prints Vars, so it must name
// every variable Load reads, each once, and each must be in .env.example.
func TestVarsListsEverySetting(t *testing.T) {
	src, err := os.ReadFile("config.go")
	if err != nil {
		t.Fatal(err)
	}
	var read []string
	for _, m := range regexp.MustCompile(`get\("([A-Z_]+)"\)|\{"([A-Z_]+)", &c\.`).FindAllStringSubmatch(string(src), -1) {
		name := m[1] + m[2]
		if !slices.Contains(read, name) {
			read = append(read, name)
		}
	}
	var listed []string
	for _, v := range Vars {
		if slices.Contains(listed, v.Name) {
			t.Errorf("%s is listed twice", v.Name)
		}
		listed = append(listed, v.Name)
		if v.About == "" {
			t.Errorf("%s says nothing about itself", v.Name)
		}
	}
	slices.Sort(read)
	slices.Sort(listed)
	if diff := cmp.Diff(read, listed); diff != "" {
		t.Errorf("Vars against what Load reads (-read +listed):\n%s", diff)
	}
	example, err := os.ReadFile("../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range Vars {
		if !regexp.MustCompile(`(?m)^#?` + v.Name + `=`).Match(example) {
			t.Errorf(".env.example does not describe %s", v.Name)
		}
	}
}
