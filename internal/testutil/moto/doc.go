// Package moto starts a moto server for a test and stops it in t.Cleanup, with an AWS
// configuration (dummy credentials, us-east-1) pointed at it.
package moto
