package job

import "github.com/scattergather/scattergather/internal/jobswap"

func init() { jobswap.Version = swapVersion }

// swapVersion is jobswap.Version: the registered job name with Version v
// until restore, for tests of a job run again by another build.
func swapVersion(name, v string) (restore func()) {
	mu.Lock()
	defer mu.Unlock()
	d, ok := registry[name]
	if !ok {
		panic("job: swap the version of an unregistered job " + name)
	}
	old := d.Version
	d.Version = v
	registry[name] = d
	return func() {
		mu.Lock()
		defer mu.Unlock()
		d := registry[name]
		d.Version = old
		registry[name] = d
	}
}
