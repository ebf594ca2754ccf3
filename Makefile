# Kiot's build. `make help` lists the targets.
#
# Tools (controller-gen, kustomize, kube-apiserver, etcd, kubectl) are built
# from pinned Go modules by hack/tools/install.sh into a cache outside the
# repository and reused by every clone; nothing is downloaded as a binary.

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec
.DEFAULT_GOAL := help

GO ?= go
# tool NAME builds NAME on first use and expands to its path.
tool = "$$(hack/tools/install.sh $(1))/$(1)"
ENVTEST_TOOLS := etcd kube-apiserver kubectl
CRD_PATHS := paths="./api/..."
RBAC_PATHS := paths="./controllers/..."

##@ Development

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make <target>\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  %-16s %s\n", $$1, $$2 } /^##@/ { printf "\n%s\n", substr($$0, 5) }' $(MAKEFILE_LIST)

.PHONY: manifests
manifests: ## Generate the CRDs (config/crd/bases), RBAC (config/rbac), the Argo CD snippet (config/argocd) and docs/<kind>.md.
	$(call tool,controller-gen) crd $(CRD_PATHS) output:crd:artifacts:config=config/crd/bases
	$(call tool,controller-gen) rbac:roleName=kiot-manager-role $(RBAC_PATHS) output:rbac:artifacts:config=config/rbac
	$(GO) run ./hack/argocd-cm
	$(GO) run ./hack/crd-docs

.PHONY: generate
generate: ## Generate the deepcopy methods of the API types.
	$(call tool,controller-gen) object:headerFile=hack/boilerplate.go.txt $(CRD_PATHS)

.PHONY: fmt
fmt: ## Format the Go code.
	$(GO) fmt ./...

.PHONY: vet
vet: ## Vet the Go code.
	$(GO) vet ./...

.PHONY: verify-fmt
verify-fmt: ## Fail when a Go file is not gofmt-formatted.
	@unformatted="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt would change (run make fmt):"; echo "$$unformatted"; exit 1; fi

.PHONY: verify-generated
verify-generated: ## Fail when the generated CRDs, RBAC or deepcopy code are stale.
	hack/verify-generated.sh

.PHONY: envtest-path
envtest-path: ## Print the directory of kube-apiserver, etcd and kubectl (the KUBEBUILDER_ASSETS value).
	@hack/tools/install.sh $(ENVTEST_TOOLS)

.PHONY: test
test: verify-fmt verify-generated vet test-conformance ## Run vet, unit tests, envtest suites and the SDK conformance test.
	KUBEBUILDER_ASSETS="$$(hack/tools/install.sh $(ENVTEST_TOOLS))" $(GO) test ./... -count=1

.PHONY: test-conformance
test-conformance: ## Drive the simulator with the official Alibaba Cloud Go SDK (its own module under hack/).
	cd hack/conformance && $(GO) vet ./... && $(GO) test ./... -count=1

.PHONY: chaos
chaos: ## Roll out and delete 500 Devices while Kiot is killed, calls fail, kube-apiserver restarts; check the cloud; two replicas fail over (~13 min, not in test). CHAOS_ARGS=--scenarios=clean,errors
	KUBEBUILDER_ASSETS="$$(hack/tools/install.sh $(ENVTEST_TOOLS))" $(GO) run ./hack/chaos $(CHAOS_ARGS)

##@ Run

.PHONY: local
local: ## Run etcd, kube-apiserver, the IoT Platform simulator and Kiot on loopback with config/samples applied; Ctrl-C stops all.
	@mkdir -p bin/local
	@tools="$$(hack/tools/install.sh $(ENVTEST_TOOLS))" && \
		echo "==> Building the local runner" && $(GO) build -o bin/local/kiot-local ./hack/local && \
		exec bin/local/kiot-local --tools "$$tools"

.PHONY: bench
bench: ## Measure Kiot on loopback, one table per batch timing (1 Device alone ×20, 100, 10,000, 10,000 with properties; ~60 min, not in test). One scenario: ARGS="--devices 1000"
	KUBEBUILDER_ASSETS="$$(hack/tools/install.sh $(ENVTEST_TOOLS))" $(GO) run ./hack/bench $(ARGS)

##@ Build

.PHONY: build
build: ## Build the operator binary into bin/manager.
	$(GO) build -o bin/manager .

.PHONY: run
run: ## Run the operator against the cluster of the current kubeconfig.
	$(GO) run . --leader-elect=false

IMG ?= kiot:latest

.PHONY: docker-build
docker-build: ## Build the operator image IMG (needs a Docker engine).
	docker build -t $(IMG) .

##@ Release

# The version and image of dist/ as committed; make release VERSION=... sets new ones.
VERSION ?= $(shell sed -n 's/^appVersion: //p' dist/chart/Chart.yaml 2>/dev/null)
IMAGE_REPO ?= $(or $(shell sed -n 's/^  repository: //p' dist/chart/values.yaml 2>/dev/null),ghcr.io/kiot-dev/kiot)

.PHONY: release
release: ## Render dist/kiot.yaml (one install manifest) and dist/chart (the Helm chart) from config/default: make release VERSION=v0.2.0 [IMAGE_REPO=...].
	@test -n "$(VERSION)" || { echo "make release needs VERSION, e.g. make release VERSION=v0.2.0" >&2; exit 2; }
	$(GO) run ./hack/release --kustomize $(call tool,kustomize) --version $(VERSION) --image $(IMAGE_REPO)

##@ Deploy

.PHONY: deploy
deploy: ## Deploy Kiot to the cluster of the current kubeconfig with image IMG.
	@tools="$$(hack/tools/install.sh kustomize kubectl)" && \
		"$$tools/kustomize" build config/default | sed 's#image: kiot:latest#image: $(IMG)#' | "$$tools/kubectl" apply -f -

# undeploy leaves the CRDs: deleting them would delete every Kiot resource
# while the operator still runs, and so (deletionPolicy Delete) the cloud's
# products and devices. Delete resources deliberately, then the CRDs.
.PHONY: undeploy
undeploy: ## Remove the operator (Deployment, RBAC, namespace); the CRDs, Kiot resources and cloud resources stay.
	@tools="$$(hack/tools/install.sh kustomize kubectl)" && \
		{ "$$tools/kustomize" build config/manager; echo ---; "$$tools/kustomize" build config/rbac; } | "$$tools/kubectl" delete --ignore-not-found -f -
