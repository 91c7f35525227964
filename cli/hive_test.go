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
