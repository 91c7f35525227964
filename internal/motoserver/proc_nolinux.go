//go:build unix && !linux

package motoserver

import "syscall"

func setDeathSignal(*syscall.SysProcAttr) {}
