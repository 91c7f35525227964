// Package querytest holds what the tests of queries share: an invoker whose chosen
// chunks are stragglers whatever the machine's speed or load.
package querytest
