package plan

import (
	"encoding/json"
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

// TestJobIDFormOfParquet: a job over a Parquet object has an identity of form 3
// (its row groups weighed by the columns read), any other job one of form 2 as
// before; EarlierJobID is the form-2 ID of the former, "" for the latter.
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
	if got := EarlierJobID("select", params, text, 100, "out"); got != "" {
		t.Errorf("a job over text has an earlier ID %s, want none", got)
	}
	if got, want := JobID("select", params, parquet, 100, "out"), form(3, parquetIDs); got != want {
		t.Errorf("a job over Parquet: ID %s, want form 3's %s", got, want)
	}
	if got, want := EarlierJobID("select", params, parquet, 100, "out"), form(2, parquetIDs); got != want {
		t.Errorf("a job over Parquet: earlier ID %s, want form 2's %s", got, want)
	}
}
