package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/testutil"
)

// TestHivePartitionsPrunedInSummary: a query over a Hive partitioned tree
// reads the partition columns from the paths, and the summary counts the
// files its WHERE on them left out and their bytes.
func TestHivePartitionsPrunedInSummary(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"year=2023", "year=2024"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	testutil.WriteFile(t, filepath.Join(dir, "year=2023"), "p.csv", []byte("id\n1\n2\n"))
	testutil.WriteFile(t, filepath.Join(dir, "year=2024"), "p.csv", []byte("id\n3\n"))
	out := filepath.Join(t.TempDir(), "o.csv")
	stdout, stderr, err := runCLI(t, "sql", "SELECT id, year FROM '"+dir+"/*/*.csv' WHERE year > 2023", "--output", out, "--state-dir", t.TempDir(), "--json")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if got, _ := os.ReadFile(out); string(got) != "id,year\n3,2024\n" {
		t.Errorf("output %q", got)
	}
	var sum struct {
		FilesPruned int64 `json:"filesPruned"`
		BytesPruned int64 `json:"bytesPruned"`
		BytesIn     int64 `json:"bytesIn"`
	}
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("summary %q: %v", stdout, err)
	}
	if sum.FilesPruned != 1 || sum.BytesPruned != int64(len("id\n1\n2\n")) || sum.BytesIn != int64(len("id\n3\n")) {
		t.Errorf("summary %+v, want 1 file of 7 bytes pruned, 5 bytes in", sum)
	}
	// scatter plan says so before the run.
	stdout, stderr, err = runCLI(t, "plan", "--job", "select", "--where", "year > 2023", "--columns", "id,year", "--input", dir)
	if err != nil || !strings.Contains(stdout, "hive partitions: year BIGINT; 1 inputs (") || !strings.Contains(stdout, "pruned by the filter") {
		t.Errorf("scatter plan: %v\n%s%s", err, stdout, stderr)
	}
}

// TestHivePartitioningOff: --hive-partitioning false reads no partition
// column (scatter sql, and scatter plan prints none); a value other than
// true or false is a usage error.
func TestHivePartitioningOff(t *testing.T) {
	dir := t.TempDir()
	testutil.WriteFile(t, dir, "year=2023/p.csv", []byte("id\n1\n2\n"))
	testutil.WriteFile(t, dir, "year=2024/p.csv", []byte("id\n3\n"))
	out := filepath.Join(t.TempDir(), "o.csv")
	_, stderr, err := runCLI(t, "sql", "SELECT * FROM '"+dir+"/*/*.csv' ORDER BY id", "--hive-partitioning", "false", "--output", out, "--state-dir", t.TempDir())
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if got, _ := os.ReadFile(out); string(got) != "id\n1\n2\n3\n" {
		t.Errorf("output %q, want the files' column alone", got)
	}
	stdout, stderr, err := runCLI(t, "plan", "--job", "select", "--columns", "id", "--hive-partitioning=false", "--input", dir)
	if err != nil || strings.Contains(stdout, "hive partitions") {
		t.Errorf("scatter plan: %v\n%s%s", err, stdout, stderr)
	}
	if _, _, err := runCLI(t, "run", "--job", "select", "--columns", "id", "--hive-partitioning", "off", "--input", dir, "--output", out, "--state-dir", t.TempDir()); err == nil || !strings.Contains(err.Error(), "--hive-partitioning must be true or false") {
		t.Errorf("--hive-partitioning off: %v", err)
	}
}

// TestQueryReportsPruned: scatter query's completeness report counts the
// inputs the planner left out by their Hive partitions and their bytes,
// as the run summary does (filesPruned, bytesPruned), and its line says
// so; a query that prunes nothing has neither.
func TestQueryReportsPruned(t *testing.T) {
	dir := t.TempDir()
	testutil.WriteFile(t, dir, "year=2023/p.csv", []byte("id\n1\n2\n"))
	testutil.WriteFile(t, dir, "year=2024/p.csv", []byte("id\n3\n"))
	for _, c := range []struct {
		where        string
		files, bytes int64
		out          string
	}{
		{"year > 2023", 1, int64(len("id\n1\n2\n")), "id,year\n3,2024\n"},
		{"id > 2", 0, 0, "id,year\n3,2024\n"},
	} {
		stdout, stderr, err := runCLI(t, "query", "--sql", "SELECT id, year FROM '"+dir+"/*/*.csv' WHERE "+c.where, "--json")
		if err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		if stdout != c.out {
			t.Errorf("%s: output %q, want %q", c.where, stdout, c.out)
		}
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		var rep struct {
			FilesPruned *int64 `json:"filesPruned"`
			BytesPruned *int64 `json:"bytesPruned"`
		}
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rep); err != nil {
			t.Fatalf("report %q: %v", lines[len(lines)-1], err)
		}
		if c.files == 0 {
			if rep.FilesPruned != nil || rep.BytesPruned != nil || strings.Contains(stderr, "pruned") {
				t.Errorf("%s: report %s, want nothing pruned", c.where, stderr)
			}
			continue
		}
		if rep.FilesPruned == nil || *rep.FilesPruned != c.files || rep.BytesPruned == nil || *rep.BytesPruned != c.bytes ||
			!strings.Contains(stderr, "1 inputs (7 B) pruned by their Hive partitions, never read") {
			t.Errorf("%s: report %s, want %d files of %d bytes pruned", c.where, stderr, c.files, c.bytes)
		}
	}
}
