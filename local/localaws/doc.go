// Package localaws brings up a local AWS for the stack in template.yaml: a moto
// server, the real Lambda binaries on a Lambda host, and one gateway in front.
package localaws
