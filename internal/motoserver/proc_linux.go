package motoserver

import "syscall"

// setDeathSignal asks Linux to end the server when the process that started it dies,
// so a test binary killed on timeout leaves no moto behind.
func setDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
