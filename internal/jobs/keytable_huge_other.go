//go:build !linux

package jobs

// adviseHuge does nothing where the kernel has no transparent huge pages
// to ask for.
func adviseHuge[S ~[]E, E any](s S) {}
