package sql

import "strings"

// Conjuncts splits a condition at its top-level ANDs: e is true when every
// one of them is, and false (or NULL) when one of them is false (or NULL,
// and none is false).
func Conjuncts(e Expr) []Expr {
	if b, ok := e.(*Binary); ok && strings.EqualFold(b.Op, "AND") {
		return append(Conjuncts(b.L), Conjuncts(b.R)...)
	}
	return []Expr{e}
}
