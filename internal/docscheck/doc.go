// Package docscheck holds the tests that keep docs/ honest: every relative link and code
// reference resolves, and the pattern guide keeps its length and its diagrams.
package docscheck
