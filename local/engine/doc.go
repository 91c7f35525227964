// Package engine runs a job on one machine: the real state machine definition
// on the local ASL engine, its Lambda tasks dispatched to the in-process handlers.
package engine
