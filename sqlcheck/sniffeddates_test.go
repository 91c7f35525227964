package sqlcheck

import (
	"fmt"
	"strings"
	"testing"
)

// TestSniffedDatesAsDuckDB: over CSV columns DuckDB's sniffer reads as
// DATE or TIMESTAMP, in ISO 8601 or in one of the formats it tries
// (%m/%d/%Y, %d.%m.%Y, %Y/%m/%d, %m/%d/%Y %I:%M:%S %p, ...), the sql job,
// whose planner sniffs them alike, gives DuckDB's answers at every chunk
// size: the values printed as DuckDB prints them, ordered, grouped,
// compared with a DATE and their min and max as dates.
func TestSniffedDatesAsDuckDB(t *testing.T) {
	db := openDuck(t)
	columns := []struct {
		name, duck string
		texts      []string
	}{
		{"mdy", "DATE", []string{"12/31/2000", "01/02/2001", "01/05/2001", "02/10/2001", "01/10/2001", ""}},
		{"dmy-dots", "DATE", []string{"31.12.2000", "02.01.2001", "05.01.2001", "10.02.2001", "1.10.2001"}},
		{"ymd-slash", "DATE", []string{"2001/01/02", "2000/12/31", "2001/01/05", "2001/02/10"}},
		{"iso", "DATE", []string{"2001-01-02", "2000-12-31", "2001-01-05", "2001-02-10"}},
		{"mdy-pm", "TIMESTAMP", []string{"01/02/2001 10:00:00 PM", "12/31/2000 09:30:00 AM", "01/05/2001 12:00:00 PM", "02/10/2001 12:00:00 AM"}},
		{"dmy-stamp", "TIMESTAMP", []string{"02-01-2001 10:00:00", "31-12-2000 23:59:59", "05-01-2001 00:00:00", "13-01-2001 08:00:00"}},
		{"iso-stamp", "TIMESTAMP", []string{"2001-01-02 10:00:00", "2000-12-31 23:59:59", "2001-01-05 00:00:00", "2001-02-10 08:30:00"}},
	}
	var runners []*runner
	for _, chunk := range []int64{97, 1000, 1 << 20} {
		runners = append(runners, newRunner(t, chunk, 0))
	}
	for _, col := range columns {
		path := sniffedColumnFile(t, db, col.name, col.duck, col.texts)
		queries := []string{
			"SELECT * FROM 'F'",
			"SELECT min(s) AS lo, max(s) AS hi, count(s) AS n FROM 'F'",
			"SELECT id, s FROM 'F' ORDER BY s, id",
			"SELECT s, count(*) AS n FROM 'F' GROUP BY s ORDER BY s",
			"SELECT id, s FROM 'F' WHERE s >= DATE '2001-01-05' ORDER BY id",
			"SELECT id FROM 'F' WHERE s < '2001-01-03' ORDER BY id",
		}
		for _, q := range queries {
			q := strings.ReplaceAll(q, "'F'", "'"+path+"'")
			want, werr := duckQuery(db, q)
			for _, r := range runners {
				t.Run(fmt.Sprintf("%s/%d/%s", col.name, r.chunkSize, strings.ReplaceAll(q, path, "F")), func(t *testing.T) {
					out, err := r.run(q, "")
					switch {
					case err != nil && werr != nil:
						return // both refuse
					case err != nil:
						t.Fatalf("we refuse (%v), DuckDB answers %v", err, want.rows)
					case werr != nil:
						t.Fatalf("DuckDB refuses (%v), we answer %s", werr, out)
					}
					got, err := parseCSV(out)
					if err != nil {
						t.Fatal(err)
					}
					if msg := diff(got, want, true); msg != "" {
						t.Errorf("%s\nours:\n%s\nDuckDB: %v", msg, out, want.rows)
					}
				})
			}
		}
	}
}
