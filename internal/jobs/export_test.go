package jobs

// SetCombineBudget sets the combiners' spill threshold for a test and returns
// a function that restores it.
func SetCombineBudget(n int64) (restore func()) {
	old := combineBudget.Swap(n)
	return func() { combineBudget.Store(old) }
}

// SmallCombineBudget makes the combiners spill every few records.
const SmallCombineBudget = initialSlots*4 + 4<<10
