// Package reference is a plain, single-pass implementation of every job over
// whole inputs, written independently of the fast code, to test it against.
package reference
