// Package jobtest is the conformance kit for jobs: it runs a job through the
// framework's local engine on sample inputs and checks what the framework
// relies on and jobs get wrong. `go test` in a user's module runs it in one
// call: jobtest.Check(t, myjob.Definition, cases...).
package jobtest
