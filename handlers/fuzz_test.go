package handlers

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzEsc: whatever anyone types, escaped, holds no <, > or bare &, so it
// can never be a mention, a channel ping or a link in mrkdwn; and reading
// it back gives what was typed.
func FuzzEsc(f *testing.F) {
	for _, s := range []string{"<!channel>", "<!here>", "<@U123ABC>", "&lt;", "a & b", "<https://x|click>", "שלום \u200fעולם 🎉", strings.Repeat("<", 10000)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := esc(s)
		if strings.ContainsAny(e, "<>") {
			t.Fatalf("esc(%q) = %q still holds < or >", s, e)
		}
		for i := strings.IndexByte(e, '&'); i >= 0; i = strings.IndexByte(e, '&') {
			rest := e[i:]
			if !strings.HasPrefix(rest, "&amp;") && !strings.HasPrefix(rest, "&lt;") && !strings.HasPrefix(rest, "&gt;") {
				t.Fatalf("esc(%q) = %q has a bare &", s, e)
			}
			e = rest[1:]
		}
		if got := fromSlack(esc(s)); got != s {
			t.Fatalf("fromSlack(esc(%q)) = %q", s, got)
		}
	})
}

// FuzzParseUser: a command's argument names a user only when it is a
// whole mention as Slack sends it, and the ID it gives is a user ID.
func FuzzParseUser(f *testing.F) {
	for _, s := range []string{"<@U0ELI|eli>", "<@U0ELI>", " <@W123|x> extra", "<!channel>", "@eli", "<@U0ELI|el>i>", "<@u0eli>", "", "<@U0ELI|" + strings.Repeat("é", 5000) + ">"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, name, ok := parseUser(s)
		if !ok {
			if id != "" || name != "" {
				t.Fatalf("parseUser(%q) refused but gave %q %q", s, id, name)
			}
			return
		}
		if !mention.MatchString("<@"+id+">") || (id[0] != 'U' && id[0] != 'W') || strings.ContainsAny(name, ">") {
			t.Fatalf("parseUser(%q) = %q, %q", s, id, name)
		}
		if !strings.Contains(s, "<@"+id) {
			t.Fatalf("parseUser(%q) = %q: not in the input", s, id)
		}
	})
}

// FuzzTruncate: shortened text stays valid UTF-8 and within its limit.
func FuzzTruncate(f *testing.F) {
	for _, s := range []string{"", "short", strings.Repeat("x", 10000), "🎉🎉🎉🎉", "\u200fעברית\u200e mixed"} {
		f.Add(s, 5)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 1 || n > 5000 || !utf8.ValidString(s) {
			return
		}
		got := truncate(s, n)
		if utf8.RuneCountInString(got) > n || !utf8.ValidString(got) {
			t.Fatalf("truncate(%q, %d) = %q", s, n, got)
		}
	})
}
