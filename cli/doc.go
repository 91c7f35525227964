// Package cli is the scatter command line: run, resume, plan, query, sql,
// submit, status, report, local up and the rest. cmd/scatter is Main with the
// built-in jobs; a user's binary is Main with its own jobs added.
package cli
