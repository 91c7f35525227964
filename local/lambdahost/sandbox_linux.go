package lambdahost

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// A function's /tmp as on Lambda: a file system of the function's EphemeralStorage
// size (https://docs.aws.amazon.com/lambda/latest/dg/configuration-ephemeral-storage.html),
// where the write that passes it fails with ENOSPC. No root is needed: the host starts
// each instance in a user and mount namespace of its own (as an unprivileged user may,
// where the kernel allows it), where it mounts a tmpfs of that size on the instance's
// TMPDIR and then runs the bootstrap under the host's own user ID, with no
// capabilities left. A mount needs a process in the new namespace before the
// bootstrap starts; Go cannot run code between fork and exec, so that process is the
// host's own executable started again (/proc/self/exe), which this package's init
// turns into the mounter when it finds tmpfsEnv. Where the kernel refuses (user
// namespaces off, or mounts denied in them) tmpfsAvailable is false and the host
// falls back to watching the directory's size (memWatch), killing the instance when
// it passes.

// tmpfsEnv carries the size in MB of the tmpfs to mount on TMPDIR to the re-executed
// host; tmpfsProbe set to 1 makes it only mount and exit 0 (tmpfsAvailable).
const (
	tmpfsEnv   = "LAMBDAHOST_TMPFS_MB"
	tmpfsProbe = "LAMBDAHOST_TMPFS_PROBE"
)

// tmpfsExit is the mounter's exit status when the mount fails.
const tmpfsExit = 125

func init() {
	if mb, ok := os.LookupEnv(tmpfsEnv); ok {
		mountAndExec(mb)
	}
}

// mountAndExec mounts a tmpfs of mb MB on TMPDIR, drops its capabilities and
// replaces itself with the bootstrap named by os.Args[0]. It does not return.
func mountAndExec(mb string) {
	dir := os.Getenv("TMPDIR")
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "size="+mb+"m,mode=0700"); err != nil {
		fmt.Fprintf(os.Stderr, "lambdahost: mount a %s MB tmpfs on %s: %v\n", mb, dir, err)
		os.Exit(tmpfsExit)
	}
	if os.Getenv(tmpfsProbe) == "1" {
		os.Exit(0)
	}
	// The ambient CAP_SYS_ADMIN the mount needed goes before the bootstrap starts.
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil {
		fmt.Fprintf(os.Stderr, "lambdahost: drop capabilities: %v\n", err)
		os.Exit(tmpfsExit)
	}
	env := make([]string, 0, len(os.Environ()))
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, tmpfsEnv+"=") && !strings.HasPrefix(kv, tmpfsProbe+"=") {
			env = append(env, kv)
		}
	}
	err := syscall.Exec(os.Args[0], os.Args, env)
	fmt.Fprintf(os.Stderr, "lambdahost: exec %s: %v\n", os.Args[0], err)
	os.Exit(tmpfsExit)
}

// sandboxed makes cmd start as the mounter of a tmpMB tmpfs on its TMPDIR, in a
// user and mount namespace of its own, then exec cmd.Path.
func sandboxed(cmd *exec.Cmd, tmpMB int) {
	uid, gid := os.Getuid(), os.Getgid()
	cmd.Args = []string{cmd.Path}
	cmd.Path = "/proc/self/exe"
	cmd.Env = append(cmd.Env, tmpfsEnv+"="+strconv.Itoa(tmpMB))
	attr := cmd.SysProcAttr
	attr.Cloneflags |= syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS
	attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: uid, HostID: uid, Size: 1}}
	attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: gid, HostID: gid, Size: 1}}
	attr.GidMappingsEnableSetgroups = false
	attr.AmbientCaps = []uintptr{unix.CAP_SYS_ADMIN}
}

var tmpfsOnce = sync.OnceValue(probeTmpfs)

// tmpfsAvailable reports whether instances can get a size-limited tmpfs as /tmp:
// it tries once per process.
func tmpfsAvailable() bool { return tmpfsOnce() }

func probeTmpfs() bool {
	dir, err := os.MkdirTemp("", "lambda-tmpfs-probe-")
	if err != nil {
		return false
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command("/proc/self/exe")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Env = []string{tmpfsProbe + "=1", "TMPDIR=" + dir}
	sandboxed(cmd, 1)
	return cmd.Run() == nil
}
