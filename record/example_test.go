package record_test

import (
	"fmt"

	"github.com/scattergather/scattergather/record"
)

// A Reader reads CSV records into rows of the columns asked for, found by
// name in the header.
func ExampleReader() {
	r, err := record.NewReader(record.CSV, []string{"city", "amount"})
	if err != nil {
		panic(err)
	}
	if err := r.Start("sales.csv", []byte("amount,city,note")); err != nil {
		panic(err)
	}
	row, _, _, _ := r.Read([]byte(`7,"Oslo, Norway",x`), 17)
	fmt.Printf("%s %s at byte %d\n", row.Value(0), row.Value(1), row.Offset)
	_, _, reason, _ := r.Read([]byte(`8,Lima`), 36)
	fmt.Println("skipped:", reason)
	// Output:
	// Oslo, Norway 7 at byte 17
	// skipped: csv: field count
}
