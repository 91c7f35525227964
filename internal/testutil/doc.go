// Package testutil holds helpers shared by the project's tests; its subpackages start
// the local servers the integration tier runs against.
package testutil
