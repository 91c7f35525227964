// Package faults injects seeded, replayable failures into the handlers, the
// blob store and the ledger, for chaos tests and demos; off unless asked for.
package faults
