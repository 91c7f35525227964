// Package lambdainvoke is query's Invoker that sends each chunk to the mapper function
// through the Lambda Invoke API. It is apart from query so that the scatter command, which
// maps in its own process, does not link the Lambda SDK (whose package init costs every
// command about 11 ms of CPU).
package lambdainvoke
