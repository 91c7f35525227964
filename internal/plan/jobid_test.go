package plan

import "testing"

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
