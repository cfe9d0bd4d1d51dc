//go:build tools

// Package tools pins the Kubernetes commands the envtest suite runs.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
