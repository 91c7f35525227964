package lambdahost

// WatchTmpDir makes h's instances get a plain /tmp directory whose size is watched,
// as where no tmpfs can be mounted; call it before the first invocation.
func WatchTmpDir(h *Host) { h.tmpfs = false }

// TmpfsAvailable reports whether instances get a size-limited tmpfs as /tmp here.
func TmpfsAvailable() bool { return tmpfsAvailable() }
