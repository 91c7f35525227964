package plan

import (
	"fmt"
	"strings"

	"github.com/scattergather/scattergather/internal/colname"
	"github.com/scattergather/scattergather/job"
	"github.com/scattergather/scattergather/record"
)

// EmptyCSVColumns are the columns DuckDB's read_csv gives a CSV input
// without a record (an empty object): one, column0, of no rows. A query
// over only such inputs names them; SELECT * stands for them.
var EmptyCSVColumns = []string{"column0"}

// allEmptyCSV reports whether every object is an empty CSV object (no
// byte): no header tells their columns, which are EmptyCSVColumns.
func allEmptyCSV(objs []Object) bool {
	for _, o := range objs {
		if o.Size != 0 || o.Parquet != nil || record.Of(o.URL, record.Auto) != record.CSV {
			return false
		}
	}
	return len(objs) > 0
}

// checkEmptyCSVColumns refuses a job whose inputs are all empty CSV
// objects when it reads a column other than EmptyCSVColumns (select's
// --columns, groupby's --key and --agg columns), as DuckDB refuses such a
// query ("column not found"), where no mapper would start to find it
// missing: an InputError naming the first object and the column.
func checkEmptyCSVColumns(name string, compiled job.Job, params map[string]string, objs []Object) error {
	if name == "sql" || !allEmptyCSV(objs) {
		return nil // sql: withInputColumns
	}
	j := compiled
	if j == nil {
		var err error
		if j, err = job.New(name, params); err != nil {
			return nil // the job reports it
		}
	}
	for _, c := range j.Input().Columns {
		if colname.Index(EmptyCSVColumns, c) < 0 {
			return &InputError{Input: objs[0].Source, Err: fmt.Errorf(
				"column %q is not in it: an empty CSV file has one column, %s, and no rows, as DuckDB's read_csv reads it", c, strings.Join(EmptyCSVColumns, ", "))}
		}
	}
	return nil
}
