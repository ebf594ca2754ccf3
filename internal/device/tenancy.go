package device

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/ownership"
	"github.com/kiot-dev/kiot/internal/refs"
)

// mayDeleteUnder guards a Delete by name: a device of a product d's
// namespace may not use is not d's, whatever its name, so the engine
// leaves it alone (ErrNotOurs) instead of deleting another team's device.
func mayDeleteUnder(ctx context.Context, kube client.Reader, d *iotv1.Device, productKey string) error {
	err := refs.CheckProductKey(ctx, kube, d.Namespace, productKey, ProductRetry)
	if refs.NotGranted(err) {
		return ownership.NotOurs(err)
	}
	return err
}
