package bot

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseCommand: the subcommand is one lower-case word taken from the
// start of the text, the rest is the input's own text, and nothing is
// lost but the spaces between the two.
func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"", "help", "  CheckIn  <@U1|eli> note", "team\t<@U2>", "wrapup\u00a0<@U1>", "<!channel>", strings.Repeat("ä", 10000), "\u200frehearsal date 2027-06-10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, rest := ParseCommand(s)
		if strings.IndexFunc(name, isSpace) >= 0 {
			t.Fatalf("ParseCommand(%q) name %q holds a space", s, name)
		}
		if utf8.ValidString(s) && name != strings.ToLower(name) {
			t.Fatalf("ParseCommand(%q) name %q is not lower case", s, name)
		}
		if !strings.Contains(s, rest) {
			t.Fatalf("ParseCommand(%q) = %q, %q: the rest is not from the input", s, name, rest)
		}
		if name == "" && strings.TrimFunc(s, isSpace) != "" && rest == "" {
			t.Fatalf("ParseCommand(%q) lost the text", s)
		}
	})
}
