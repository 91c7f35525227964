package split

// Step and CSVEnd are the automaton and its fast scan, for the tests.
var (
	Step   = step
	CSVEnd = csvEnd
)
