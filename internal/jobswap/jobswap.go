// Package jobswap lets the framework's own tests run a registered job as
// another build would: under another Version of its code. Package job sets
// Version at init; nothing but tests calls it.
package jobswap

// Version, set by package job, gives the registered job name the Version v
// until restore is called. It panics when no job of that name is registered.
var Version func(name, v string) (restore func())
