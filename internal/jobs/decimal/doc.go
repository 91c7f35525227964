// Package decimal is the exact decimal arithmetic of the aggregate jobs: parsing
// from bytes, comparison, sums that keep their scale, and half-even averages.
package decimal
