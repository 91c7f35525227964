package sqlspec_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/sql"
	"github.com/scattergather/scattergather/internal/sqlspec"
)

// TestFromQuery: a query is the sql job with the query as its parameter, reading its FROM
// unless inputs are given; what does not go together, and a query that does not parse,
// are errors that say why (a parse error names its column).
func TestFromQuery(t *testing.T) {
	const q = "SELECT a, count(*) AS n FROM 's3://in/logs/' GROUP BY a"
	s, err := sqlspec.FromQuery(q, "", "", nil)
	if err != nil || s.Job != "sql" || s.Query != q || strings.Join(s.Inputs, " ") != "s3://in/logs/" || strings.Join(s.From, " ") != "s3://in/logs/" {
		t.Fatalf("FromQuery = %+v, %v", s, err)
	}
	s, err = sqlspec.FromQuery(q, "sql", q, []string{"s3://in/other/"})
	if err != nil || strings.Join(s.Inputs, " ") != "s3://in/other/" || strings.Join(s.From, " ") != "s3://in/logs/" {
		t.Fatalf("with inputs given: %+v, %v", s, err)
	}
	for _, c := range []struct{ query, job, param, want string }{
		{"", "", "", "empty"},
		{q, "grep", "", "does not go with job grep"},
		{q, "", "SELECT 1 FROM 'x'", "give the query once"},
		{"SELECT a,, b FROM 'x.csv'", "", "", "at column 10"},
	} {
		_, err := sqlspec.FromQuery(c.query, c.job, c.param, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("FromQuery(%q, %q, %q) = %v, want an error containing %q", c.query, c.job, c.param, err, c.want)
		}
	}
	_, err = sqlspec.FromQuery("SELECT a,, b FROM 'x.csv'", "", "", nil)
	var se *sql.Error
	if !errors.As(err, &se) || se.Pos != 9 {
		t.Errorf("parse error %v: want an *sql.Error at offset 9", err)
	}
}
