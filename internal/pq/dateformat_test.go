package pq_test

import (
	"testing"

	"github.com/scattergather/scattergather/internal/pq"
)

func TestDateFormatRoundTrip(t *testing.T) {
	var s pq.TypeSniffer
	s.Add([]byte("12/31/2000"))
	s.Add([]byte("01/02/2001"))
	c := s.Column()
	if c.Kind != pq.OutDate || pq.DateFormat(c.Kind, c.Form) != "%m/%d/%Y" {
		t.Fatalf("column %+v, format %q; want DATE %%m/%%d/%%Y", c, pq.DateFormat(c.Kind, c.Form))
	}
	if f, ok := pq.DateFormOf(pq.OutDate, "%m/%d/%Y"); !ok || f != c.Form {
		t.Fatalf("DateFormOf = %d, %v; want %d", f, ok, c.Form)
	}
	if d, ok := pq.FormDate([]byte("01/02/2001"), c.Form); !ok || d != 11324 {
		t.Fatalf("FormDate = %d, %v; want 11324 (2001-01-02)", d, ok)
	}
	var ts pq.TypeSniffer
	ts.Add([]byte("01/02/2001 10:00:00 PM"))
	tc := ts.Column()
	if got := pq.DateFormat(tc.Kind, tc.Form); tc.Kind != pq.OutTimestamp || got != "%m/%d/%Y %I:%M:%S %p" && got != "%d/%m/%Y %I:%M:%S %p" {
		t.Fatalf("column %+v, format %q", tc, got)
	}
	if us, ok := pq.FormTimestamp([]byte("12/31/2000 10:00:00 PM"), tc.Form); !ok || us != 978300000000000 {
		t.Fatalf("FormTimestamp = %d, %v", us, ok)
	}
	if pq.DateFormat(pq.OutDate, 0) != "" {
		t.Fatal("form 0 has a format")
	}
	if _, ok := pq.DateFormOf(pq.OutDate, "%Y-%m-%d"); ok {
		t.Fatal("ISO 8601 is a form")
	}
}
