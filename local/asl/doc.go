// Package asl is a local interpreter of the Amazon States Language (JSONPath query language):
// it runs the scatter/gather state machine definition on one machine, with its Lambda tasks in process.
package asl
