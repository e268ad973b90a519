//go:build tools

// Keeps istioctl, which the build script builds, in go.mod and go.sum.
package tools

import (
	_ "istio.io/istio/istioctl/cmd/istioctl"
)
