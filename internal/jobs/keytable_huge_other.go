//go:build !linux

package jobs

// hugeArrays is nothing where the kernel has no transparent huge pages to
// ask for (keytable_huge_linux.go).
type hugeArrays struct{}

func newHugeArrays[T any](t *T) *hugeArrays { return nil }

func adviseArray[S ~[]E, E any](h *hugeArrays, s S) {}

func dropArray[S ~[]E, E any](h *hugeArrays, s S) {}

func (h *hugeArrays) dropAll() {}
