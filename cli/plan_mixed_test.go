package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/datagen"
	"github.com/scattergather/scattergather/internal/plan"
	jobreport "github.com/scattergather/scattergather/internal/report"
)

// TestPlanParquetWithCSV: `scatter plan` over a CSV and a Parquet input
// says on its "parquet:" line what the mappers read of the Parquet input
// alone (the CSV is read whole, and counted only in the price).
func TestPlanParquetWithCSV(t *testing.T) {
	dir := t.TempDir()
	visits, err := datagen.Bytes("uservisits", 200_000, 22)
	if err != nil {
		t.Fatal(err)
	}
	pqPath, csvPath := filepath.Join(dir, "visits.parquet"), filepath.Join(dir, "visits.csv")
	csv, _ := uservisitsParquet(t, visits, pqPath, 700)
	if err := os.WriteFile(csvPath, csv, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--input", csvPath, "--input", pqPath, "--chunk-size", "64KiB", "--job", "select", "--columns", "sourceIP"}
	var out, errOut bytes.Buffer
	if err := dispatch(context.Background(), append([]string{"plan", "--json"}, args...), &out, &errOut); err != nil {
		t.Fatalf("%v: %s", err, errOut.String())
	}
	var p struct {
		plan.Estimate
		Scan *plan.Scan `json:"parquet"`
	}
	if err := json.Unmarshal(out.Bytes(), &p); err != nil || p.Scan == nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	fi, err := os.Stat(pqPath)
	if err != nil {
		t.Fatal(err)
	}
	s := p.Scan
	if s.Read != s.ParquetRead+int64(len(csv)) || s.ParquetBytes <= 0 || s.ParquetBytes > fi.Size() || s.ParquetRead >= s.ParquetBytes {
		t.Fatalf("scan %+v: want the CSV's %d bytes read whole beside a part of the Parquet file's %d", s, len(csv), fi.Size())
	}
	out.Reset()
	if err := dispatch(context.Background(), append([]string{"plan"}, args...), &out, &errOut); err != nil {
		t.Fatalf("%v: %s", err, errOut.String())
	}
	want := fmt.Sprintf("parquet: the mappers read %s of %s (%.1f%%)", jobreport.FormatBytes(s.ParquetRead), jobreport.FormatBytes(s.ParquetBytes),
		100*float64(s.ParquetRead)/float64(s.ParquetBytes))
	if !strings.Contains(out.String(), want) {
		t.Fatalf("plan says\n%s\nwant a line with %q", out.String(), want)
	}
}
