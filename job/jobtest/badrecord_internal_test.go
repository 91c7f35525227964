package jobtest

import "testing"

// TestBadRecordMessage: a case's BadRecord names a text input's record by
// its byte offset, and a Parquet input's (by its name's extension or its
// magic) by its row, with or without its row group.
func TestBadRecordMessage(t *testing.T) {
	par := []Input{{Name: "data", Data: []byte("PAR1...PAR1")}, {Name: "t.csv", Data: []byte("a\n1\n")}}
	for _, c := range []struct{ bad, want string }{
		{"t.csv:28", "t.csv at byte 28"},
		{"t.parquet:3", "t.parquet at row 3 (row group "},
		{"T.Parquet:3:1", "T.Parquet at row 3 (row group 1)"},
		{"data:7:0", "data at row 7 (row group 0)"},
		{"data:7", "data at row 7 (row group "},
	} {
		if got := (Case{Inputs: par, BadRecord: c.bad}).badRecordMessage(); got != c.want {
			t.Errorf("BadRecord %q: the error must say %q, want %q", c.bad, got, c.want)
		}
	}
}
