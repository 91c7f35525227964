package jobs

import "testing"

// SetCombineBudget sets the combiners' spill threshold for a test and returns
// a function that restores it.
func SetCombineBudget(n int64) (restore func()) {
	old := combineBudget.Swap(n)
	return func() { combineBudget.Store(old) }
}

// SmallCombineBudget makes the combiners spill every few records.
const SmallCombineBudget = initialSlots*4 + 4<<10

// SpillEveryOther is for a property test's iterations: call the function it returns at the
// start of each; on odd iterations the combiners spill every few records
// (SmallCombineBudget), on even ones they have the default budget, which comes back when
// t ends.
func SpillEveryOther(t testing.TB) func(iter int) {
	restore := SetCombineBudget(0)
	restore()
	t.Cleanup(restore)
	return func(iter int) {
		restore()
		if iter%2 == 1 {
			SetCombineBudget(SmallCombineBudget)
		}
	}
}

// SQLBatchRows is how many rows the sql job's mapper m took from a Parquet
// batch's vectors (sqlMapper.ParquetBatch), not as rows.
func SQLBatchRows(m Mapper) int64 { return m.(*sqlMapper).batchRows }
