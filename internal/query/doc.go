// Package query is the request-time form of scatter/gather: plan the input, map every
// chunk concurrently (with a deadline and hedged resends), merge the partials as they arrive.
package query
