// Package conformance checks the IoT Platform simulator (internal/iotsim)
// against the official Alibaba Cloud Go SDK: requests the SDK signs and
// sends are accepted, and the answers decode into the SDK's response types
// with the fields a client reads. It is a module of its own so the
// operator's go.mod does not carry the SDK. Run: cd hack/conformance && go test ./...
package conformance
