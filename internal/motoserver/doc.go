// Package motoserver starts and stops a local moto server (python3 -m moto.server), the AWS
// emulator behind the integration tests and `scatter local up`.
package motoserver
