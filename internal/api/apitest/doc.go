// Package apitest holds an in-memory Step Functions for tests of job submission: it records
// executions by name and refuses a second execution of a name, as Step Functions does.
package apitest
