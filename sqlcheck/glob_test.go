package sqlcheck

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/scattergather/scattergather/internal/testutil"
)

// TestGlobAgreesWithDuckDB: FROM 'PATTERN' reads the files a glob matches
// ('*', '**', '?', "[abc]", "[!abc]", a range; a "**" after wildcard
// segments, logs/*/x/**/*.csv), as DuckDB reads them, and
// answers the same query text as DuckDB does; a pattern that matches
// nothing is an error in both.
func TestGlobAgreesWithDuckDB(t *testing.T) {
	db := openDuck(t)
	r := newRunner(t, 1<<20, 0)
	dir := t.TempDir()
	for name, text := range map[string]string{
		"logs/2024-01.csv":       "id,v\n1,10\n2,20\n",
		"logs/2024-02.csv":       "id,v\n3,30\n",
		"logs/2023-12.csv":       "id,v\n4,40\n",
		"logs/.hidden.csv":       "id,v\n5,50\n",
		"logs/old/2024-05.csv":   "id,v\n6,60\n",
		"logs/old/deep/x9.csv":   "id,v\n7,70\n",
		"logs/notes.txt":         "not,csv\nat,all\n",
		"other/2024-01.csv":      "id,v\n8,80\n",
		"logs/2024-0a.csv":       "id,v\n9,90\n",
		"logs/old/x/deep/x8.csv": "id,v\n10,100\n",
		"logs/new/x/11.csv":      "id,v\n11,110\n",
		"logs/new/y/x/12.csv":    "id,v\n12,120\n",
	} {
		testutil.WriteFile(t, dir, name, []byte(text))
	}
	for _, pattern := range []string{
		"logs/2024-*.csv", "logs/*.csv", "logs/**/*.csv", "**/2024-01.csv", "*/2024-0?.csv",
		"logs/2024-0[1-2].csv", "logs/2024-0[!1].csv", "logs/*/*.csv", "logs/*/**/x?.csv",
		"logs/*/x/**/*.csv", "*/*/x/**/x?.csv", "logs/n*/**/*.csv",
	} {
		for _, q := range []string{
			"SELECT * FROM '%s' ORDER BY id",
			"SELECT count(*) AS n, sum(v) AS s FROM read_csv('%s')",
		} {
			q := strings.Replace(q, "%s", filepath.Join(dir, pattern), 1)
			r.agrees(t, db, strings.Replace(q, dir+"/", "", 1), q, true)
		}
	}
	q := "SELECT * FROM '" + filepath.Join(dir, "logs/2025-*.csv") + "'"
	if _, err := duckQuery(db, q); err == nil || !strings.Contains(err.Error(), "No files found that match the pattern") {
		t.Errorf("DuckDB over a pattern that matches nothing: %v", err)
	}
	if _, err := r.run(q, ""); err == nil || !strings.Contains(err.Error(), "no file matches this pattern") {
		t.Errorf("%s: %v", q, err)
	}
}
