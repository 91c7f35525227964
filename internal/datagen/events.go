package datagen

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// Events is a CSV of n events, sqlcheck's {events} input (a TIMESTAMP
// column and columns named by SQL keywords): id, select (a word), order (an integer),
// group, ts (a timestamp as DuckDB writes one: whole seconds, or a fraction
// without trailing zeros; on a few hundred distinct instants, so that they
// group) and day (a date), with some NULLs.
func Events(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, seed))
	var b bytes.Buffer
	b.WriteString("id,select,order,group,ts,day\n")
	words := []string{"alpha", "beta", "gamma", "delta", "b c"}
	fracs := []string{"", "", "", ".5", ".25", ".123456", ".000001"}
	base := time.Date(2019, 12, 28, 0, 0, 0, 0, time.UTC)
	for i := 1; i <= n; i++ {
		ts := ""
		if rng.IntN(20) > 0 {
			at := base.Add(time.Duration(rng.IntN(400)) * 37 * time.Minute)
			ts = at.Format("2006-01-02 15:04:05") + fracs[rng.IntN(len(fracs))]
		}
		order := ""
		if rng.IntN(15) > 0 {
			order = strconv.Itoa(rng.IntN(40) - 5)
		}
		day := base.AddDate(0, 0, rng.IntN(20)).Format("2006-01-02")
		fmt.Fprintf(&b, "%d,%s,%s,g%d,%s,%s\n", i, words[rng.IntN(len(words))], order, rng.IntN(5), ts, day)
	}
	return b.Bytes()
}
