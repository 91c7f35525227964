package plan

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/scattergather/scattergather/internal/pq"
)

func TestJobIDCoversVersion(t *testing.T) {
	objs := []Object{{URL: "a.txt", ETag: "e", Size: 3}}
	v1 := jobID("mine", "1", map[string]string{"k": "v"}, objs, 100, "out")
	v2 := jobID("mine", "2", map[string]string{"k": "v"}, objs, 100, "out")
	if v1 == v2 {
		t.Fatalf("versions 1 and 2 of a job have one job ID %s: a changed job would get the old commits back", v1)
	}
	if again := jobID("mine", "1", map[string]string{"k": "v"}, objs, 100, "out"); again != v1 {
		t.Fatalf("the same submission gave two job IDs: %s and %s", v1, again)
	}
}

// TestJobIDFormOfParquet: a job over a Parquet object has an identity of form 4
// (an object it reads no column of weighed by its footer; form 3 weighed row
// groups by the columns read, form 2 by all), any other job one of form 2 as
// before; EarlierJobIDs are the form-2 and form-3 IDs of the former, none of
// the latter.
func TestJobIDFormOfParquet(t *testing.T) {
	text := []Object{{URL: "a.txt", ETag: "e", Size: 3}}
	parquet := []Object{{URL: "a.txt", ETag: "e", Size: 3}, {URL: "b.parquet", ETag: "f", Size: 9, Parquet: &pq.Footer{}}}
	params := map[string]string{"columns": "x"}
	// The inputs as the identity encodes them, written out: a text object, and
	// it with a Parquet one.
	textIDs := json.RawMessage(`[{"u":"a.txt","e":"e","s":3}]`)
	parquetIDs := json.RawMessage(`[{"u":"a.txt","e":"e","s":3},{"u":"b.parquet","e":"f","s":9}]`)
	form := func(v int, inputs json.RawMessage) string {
		canon, err := json.Marshal(NewIdentity(v, "select", JobVersion("select"), params, inputs, 100, "out"))
		if err != nil {
			t.Fatal(err)
		}
		return NameID("select", canon)
	}
	if got, want := JobID("select", params, text, 100, "out"), form(2, textIDs); got != want {
		t.Errorf("a job over text: ID %s, want form 2's %s", got, want)
	}
	if got := EarlierJobIDs("select", params, text, 100, "out"); got != nil {
		t.Errorf("a job over text has earlier IDs %v, want none", got)
	}
	if got, want := JobID("select", params, parquet, 100, "out"), form(4, parquetIDs); got != want {
		t.Errorf("a job over Parquet: ID %s, want form 4's %s", got, want)
	}
	got := EarlierJobIDs("select", params, parquet, 100, "out")
	if want := []string{form(2, parquetIDs), form(3, parquetIDs)}; !slices.Equal(got, want) {
		t.Errorf("a job over Parquet: earlier IDs %v, want forms 2 and 3's %v", got, want)
	}
}
