package slackemu

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

// ParseUsersCSV reads users from CSV with the columns id,email,name,tz
// (name and tz may be missing or empty). A first row starting with "id"
// is taken as a header. Blank lines and lines starting with # are skipped.
func ParseUsersCSV(r io.Reader) ([]User, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	var users []User
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return users, nil
		}
		if err != nil {
			return nil, err
		}
		if line == 1 && strings.EqualFold(strings.TrimSpace(rec[0]), "id") {
			continue
		}
		field := func(i int) string {
			if i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		u := User{ID: field(0), Email: field(1), Name: field(2), TZ: field(3)}
		if u.ID == "" {
			return nil, fmt.Errorf("users CSV record %d: empty id", line)
		}
		users = append(users, u)
	}
}
