package handlers

import (
	"encoding/csv"
	"strings"
	"testing"

	"github.com/massperform/massperform/review"
)

// TestDigestCSVByteOrderMark: the digest's file starts with the mark Excel
// needs to read accented names as UTF-8, unless it is turned off, and the
// rest is the same CSV either way.
func TestDigestCSVByteOrderMark(t *testing.T) {
	d := review.Digest{Units: map[string]*review.Standing{"Secretaría de Salud": {People: 3}}}
	for _, tc := range []struct {
		name string
		bom  bool
	}{{"with the mark", true}, {"without it", false}} {
		t.Run(tc.name, func(t *testing.T) {
			data := string(DigestCSV(d, tc.bom))
			if got := strings.HasPrefix(data, ByteOrderMark); got != tc.bom {
				t.Fatalf("starts with a byte-order mark: %v, want %v (%q)", got, tc.bom, data[:min(len(data), 12)])
			}
			if strings.Count(data, ByteOrderMark) > 1 {
				t.Errorf("more than one mark: %q", data)
			}
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(data, ByteOrderMark))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 2 || rows[0][0] != "section" || rows[1][1] != "Secretaría de Salud" || rows[1][6] != "3" {
				t.Errorf("rows: %q", rows)
			}
		})
	}
}
