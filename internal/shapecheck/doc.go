// Package shapecheck holds the tests that keep the module's code in shape: no function,
// tests included, is longer than a screen and a half (MaxFuncLines).
package shapecheck

// MaxFuncLines is the most lines a function of the module may take, from its func
// keyword to its closing brace.
const MaxFuncLines = 150
