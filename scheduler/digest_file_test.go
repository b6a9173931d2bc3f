package scheduler

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/massperform/massperform/bot"
	"github.com/massperform/massperform/review"
)

// TestEncodeFileWriting: a file written into its payload as it goes is
// the payload EncodeFile makes of the whole, byte for byte, whatever its
// length (base64's padding) and whatever its name holds.
func TestEncodeFileWriting(t *testing.T) {
	for _, n := range []int{1, 2, 3, 4, 1000, 70001} {
		data := []byte(strings.Repeat("overdue,\"<Zoë & Ana>\",2026-09-30\r\n", n/30+1)[:n])
		f := bot.File{Name: "massperform-digest-2026-10-12.csv", Title: "MassPerform digest, <Oct 12> & \"more\"", Comment: "The full lists."}
		whole := f
		whole.Data = data
		want, err := EncodeFile(whole)
		if err != nil {
			t.Fatal(err)
		}
		got, err := encodeFileWriting(f, func(w io.Writer) error {
			for len(data) > 0 { // in uneven pieces, as a CSV writer's buffer would
				k := min(len(data), 4093)
				if _, err := w.Write(data[:k]); err != nil {
					return err
				}
				data = data[k:]
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(want, got) {
			t.Errorf("%d bytes: got\n%.300s\nwant\n%.300s", n, got, want)
		}
	}
}

// TestDigestWriteCSV: the digest queued with WriteCSV is the one queued
// with CSV.
func TestDigestWriteCSV(t *testing.T) {
	boston, _ := time.LoadLocation("America/New_York")
	now := time.Date(2026, 10, 12, 8, 0, 0, 0, boston)
	csv := "section,unit\r\nunit,A\r\n"
	var queued [2][]byte
	for i, write := range []bool{false, true} {
		store := &fakeDigestStore{}
		g := &Digester{Store: store, Cal: review.Calendar{Loc: boston}, Channel: "C0HR",
			Message: func(review.Digest) ([]byte, error) { return []byte(`{"text":"digest"}`), nil }}
		if write {
			g.WriteCSV = func(w io.Writer, _ review.Digest) error { _, err := io.WriteString(w, csv); return err }
		} else {
			g.CSV = func(review.Digest) []byte { return []byte(csv) }
		}
		if _, err := g.Run(context.Background(), now, false); err != nil {
			t.Fatal(err)
		}
		if len(store.queued) != 2 || store.queued[1].Kind != "digest file" {
			t.Fatalf("queued %+v", store.queued)
		}
		queued[i] = store.queued[1].Payload
	}
	if !bytes.Equal(queued[0], queued[1]) {
		t.Errorf("WriteCSV queued\n%s\nCSV\n%s", queued[1], queued[0])
	}
}
