package plan

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
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
// before, both holding the framework version; EarlierJobIDs are the IDs of
// the earlier framework versions (0: identities without one) of every form,
// and, over Parquet, of forms 2 and 3 under this one.
func TestJobIDFormOfParquet(t *testing.T) {
	text := []Object{{URL: "a.txt", ETag: "e", Size: 3}}
	parquet := []Object{{URL: "a.txt", ETag: "e", Size: 3}, {URL: "b.parquet", ETag: "f", Size: 9, Parquet: &pq.Footer{}}}
	params := map[string]string{"columns": "x"}
	// The identities written out: a text object, and it with a Parquet
	// one; framework is FrameworkVersion, left out before it was.
	ident := func(v, framework int, inputs string) string {
		fw := ""
		if framework > 0 {
			fw = fmt.Sprintf(`"framework":%d,`, framework)
		}
		canon := fmt.Sprintf(`{"v":%d,"job":"select","version":%q,%s"params":{"columns":"x"},"inputs":%s,"chunkSize":100,"output":"out"}`,
			v, JobVersion("select"), fw, inputs)
		return NameID("select", []byte(canon))
	}
	textIDs := `[{"u":"a.txt","e":"e","s":3}]`
	parquetIDs := `[{"u":"a.txt","e":"e","s":3},{"u":"b.parquet","e":"f","s":9}]`
	if got, want := JobID("select", params, text, 100, "out"), ident(2, FrameworkVersion, textIDs); got != want {
		t.Errorf("a job over text: ID %s, want form 2's %s", got, want)
	}
	var wantText []string
	for fw := 0; fw < FrameworkVersion; fw++ {
		wantText = append(wantText, ident(2, fw, textIDs))
	}
	if got := EarlierJobIDs("select", params, text, 100, "out"); !slices.Equal(got, wantText) {
		t.Errorf("a job over text has earlier IDs %v, want those of the earlier framework versions %v", got, wantText)
	}
	if got, want := JobID("select", params, parquet, 100, "out"), ident(4, FrameworkVersion, parquetIDs); got != want {
		t.Errorf("a job over Parquet: ID %s, want form 4's %s", got, want)
	}
	got := EarlierJobIDs("select", params, parquet, 100, "out")
	var want []string
	for fw := 0; fw < FrameworkVersion; fw++ {
		want = append(want, ident(2, fw, parquetIDs), ident(3, fw, parquetIDs), ident(4, fw, parquetIDs))
	}
	want = append(want, ident(2, FrameworkVersion, parquetIDs), ident(3, FrameworkVersion, parquetIDs))
	if !slices.Equal(got, want) {
		t.Errorf("a job over Parquet: earlier IDs %v, want %v", got, want)
	}
	for _, id := range want {
		if !PlannedBy(id, "select", JobVersion("select"), params, parquet, 100, "out") {
			t.Errorf("PlannedBy does not know the earlier ID %s", id)
		}
	}
}

// TestJobIDCoversFrameworkVersion: every job's ID, a built-in's and a user
// job's (a name no built-in has), holds the framework version: a build
// whose record reading changed (FrameworkVersion bumped) gives every job a
// new ID, so that no run reuses the partials an older build committed.
func TestJobIDCoversFrameworkVersion(t *testing.T) {
	objs := []Object{{URL: "a.csv", ETag: "e", Size: 3}}
	for _, name := range []string{"select", "wordcount", "mine/uniquevisitors"} {
		id := JobID(name, map[string]string{"k": "v"}, objs, 100, "out")
		if now := jobIDOf(2, FrameworkVersion, name, JobVersion(name), map[string]string{"k": "v"}, objs, 100, "out"); now != id {
			t.Fatalf("%s: JobID %s is not the ID of this framework version, %s", name, id, now)
		}
		next := jobIDOf(2, FrameworkVersion+1, name, JobVersion(name), map[string]string{"k": "v"}, objs, 100, "out")
		if next == id {
			t.Fatalf("%s: framework versions %d and %d give one job ID %s: an upgrade that reads records otherwise would reuse the old commits", name, FrameworkVersion, FrameworkVersion+1, id)
		}
		canon, _ := json.Marshal(NewIdentity(2, name, JobVersion(name), nil, nil, 100, "out"))
		if !strings.Contains(string(canon), fmt.Sprintf(`"framework":%d`, FrameworkVersion)) {
			t.Fatalf("%s: the identity %s does not hold the framework version", name, canon)
		}
	}
}
