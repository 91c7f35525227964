// Package pipeline holds the splitter, mapper and reducer handlers and their
// typed step payloads: the same code runs in Lambda, in the local engine and in tests.
package pipeline
