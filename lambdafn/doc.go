// Package lambdafn is the entry point of each of the stack's Lambda
// functions (splitter, mapper, reducer, api) for the provided.al2023
// runtime: a function's main is one call, with the user's jobs added to the
// built-in ones. The splitter's, mapper's and reducer's mains are better
// written with package lambdafn/taskfn, which does not link the api
// function's SDK clients (a shorter init phase on every cold start).
package lambdafn
