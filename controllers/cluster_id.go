package controllers

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kiot-dev/kiot/internal/ownership"
)

// resolveClusterID is the identity in Kiot's ownership marks: the one
// configured, else the kube-system namespace's UID. That UID exists in
// every cluster, differs between clusters sharing a cloud account, and
// outlives any reinstall of Kiot, so Kiot keeps recognising what it made.
// It is read once, directly: the manager's cache is not running yet.
func resolveClusterID(ctx context.Context, reader client.Reader, configured string) (string, error) {
	id := configured
	if id == "" {
		var ns corev1.Namespace
		// A freshly started API server creates kube-system within moments.
		err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
			err := reader.Get(ctx, client.ObjectKey{Name: "kube-system"}, &ns)
			return err == nil, client.IgnoreNotFound(err)
		})
		if err != nil {
			return "", fmt.Errorf("reading the kube-system namespace's UID as this cluster's id (or set --cluster-id): %w", err)
		}
		id = string(ns.UID)
	}
	if err := ownership.ValidateClusterID(id); err != nil {
		return "", err
	}
	return id, nil
}
