package product

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/aliyun"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/managed"
	"github.com/kiot-dev/kiot/internal/ownership"
)

// Secret keys of <name>-product (the design card's contract).
const (
	SecretKeyProductKey    = "productKey"
	SecretKeyProductSecret = "productSecret"
	SecretKeyRegionID      = "regionId"
)

// DefaultDependentsRetry is how often a Product waiting for its Devices to
// go looks again (a Device resource's deletion also wakes it at once;
// devices made outside Kiot are only seen by looking).
const DefaultDependentsRetry = 15 * time.Second

// listPageSize is QueryProductList's largest page (L8784–8786): an instance
// holds at most 1,000 products, so a name lookup takes at most five calls.
const listPageSize = 200

// External reconciles one Product.
type External struct {
	API    API
	Region string
	// Kube counts the Devices that still reference the Product.
	Kube client.Reader
	// DependentsRetry overrides DefaultDependentsRetry.
	DependentsRetry time.Duration
	// ClusterID is this cluster's identity in ownership marks.
	ClusterID string

	// What the last Observe read, for Update: an External serves one
	// reconcile, so this saves asking the platform twice.
	observed     *iot.Product
	observedTags []iot.Tag
}

var _ managed.External = (*External)(nil)

// Observe finds the product by the key in status or spec, or else by name
// (a crash may have come between CreateProduct and the status write). It
// reads the product's tags first, and goes no further (no secret, no
// status) with a product the resource may not take (ownership.go).
func (e *External) Observe(ctx context.Context, obj managed.Object) (managed.Observation, error) {
	p := obj.(*iotv1.Product)
	if err := ownership.Reserved(slices.Collect(maps.Keys(p.Spec.Tags))); err != nil {
		return managed.Observation{}, err
	}
	key, claim, err := e.locate(ctx, p)
	if err != nil || key == "" {
		return managed.Observation{}, err
	}
	tags, err := e.API.ListProductTags(ctx, key)
	if aliyun.IsNotFound(err) {
		if p.Spec.ProductKey != "" {
			return managed.Observation{}, managed.Terminal(fmt.Errorf(
				"spec.productKey %s names no product in this account and instance: correct it, or remove it to let Kiot create %s", key, p.Spec.ProductName))
		}
		// Deleted behind Kiot's back: forget it, so it is created again.
		p.Status.ProductKey = ""
		return managed.Observation{}, nil
	}
	if err != nil {
		return managed.Observation{}, err
	}
	unmarked, err := claim.Check(iot.TagMap(tags))
	if err != nil {
		return managed.Observation{}, err
	}
	product, err := e.API.QueryProduct(ctx, key)
	if err != nil {
		return managed.Observation{}, err
	}

	e.observed, e.observedTags = product, tags
	p.Status.ProductKey = product.ProductKey
	p.Status.CreateRequestedAt = nil
	p.Status.ProductStatus = product.ProductStatus
	p.Status.DeviceCount = int32(product.DeviceCount)
	p.Status.SecretName = SecretName(p)
	fields := drift(p, product, tags)
	if unmarked {
		fields = append(fields, "ownership mark")
	}
	return managed.Observation{
		Exists:   true,
		UpToDate: len(fields) == 0,
		Drift:    fields,
		Secret: map[string][]byte{
			SecretKeyProductKey:    []byte(product.ProductKey),
			SecretKeyProductSecret: []byte(product.ProductSecret.Reveal()),
			SecretKeyRegionID:      []byte(e.Region),
		},
	}, nil
}

// Create makes the product and marks it. A product of that name made by an
// earlier attempt whose answer was lost is adopted, never duplicated; the
// mark, or its creation after status.createRequestedAt, proves it is
// Kiot's. Tags and the release state follow on the Update that the next
// observation calls for.
func (e *External) Create(ctx context.Context, obj managed.Object) error {
	p := obj.(*iotv1.Product)
	if p.Spec.ProductKey != "" {
		// Observe found no product under the key the user named.
		return managed.Terminal(fmt.Errorf("spec.productKey %s does not exist; Kiot adopts it but never creates a product under a chosen key", p.Spec.ProductKey))
	}
	created, err := e.API.CreateProduct(ctx, createInput(p))
	if aliyun.IsAlreadyExists(err) {
		key, claim, findErr := e.locate(ctx, p)
		if findErr != nil {
			return findErr
		}
		if key == "" {
			return err
		}
		return e.take(ctx, p, key, claim)
	}
	if err != nil {
		return err
	}
	p.Status.ProductKey = created.ProductKey
	return e.mark(ctx, p)
}

// Update corrects name and description, tags and the release state.
func (e *External) Update(ctx context.Context, obj managed.Object, _ managed.Observation) error {
	p := obj.(*iotv1.Product)
	key, product := p.Status.ProductKey, e.observed
	description := p.Spec.Description
	if description == "" {
		description = product.Description // unmanaged: sent back unchanged
	}
	if product.ProductName != p.Spec.ProductName || product.Description != description {
		if err := e.API.UpdateProduct(ctx, iot.UpdateProductInput{ProductKey: key, ProductName: p.Spec.ProductName, Description: description}); err != nil {
			return err
		}
	}
	if err := e.syncTags(ctx, p); err != nil {
		return err
	}
	released := product.ProductStatus == iot.ProductStatusRelease
	switch {
	case p.Spec.Published && !released:
		return e.API.ReleaseProduct(ctx, key)
	case !p.Spec.Published && released:
		return e.API.CancelReleaseProduct(ctx, key)
	}
	return nil
}

// Delete deletes the product once no Device resource references it.
func (e *External) Delete(ctx context.Context, obj managed.Object) error {
	p := obj.(*iotv1.Product)
	if n, names, err := e.dependents(ctx, p); err != nil {
		return err
	} else if n > 0 {
		return managed.Wait(iotv1.ReasonDependentsExist, e.dependentsRetry(),
			"%d Device(s) still reference this Product (%s): Kiot deletes the Product once they are gone", n, names)
	}
	key, err := e.keyToDelete(ctx, p)
	if err != nil {
		return err
	}
	err = e.API.DeleteProduct(ctx, key)
	if aliyun.IsNotFound(err) {
		return managed.ErrAlreadyGone
	}
	if aliyun.IsConflict(err) {
		// Devices made outside Kiot still belong to it.
		return managed.Wait(iotv1.ReasonDependentsExist, e.dependentsRetry(),
			"the platform refuses to delete product %s while it has devices: %s", key, aliyun.ErrorCode(err))
	}
	return err
}

// keyToDelete is the key of the product a Delete removes: the one in
// status, else the one Observe would adopt (spec.productKey, or the product
// of that name), since a delete can overtake a create whose answer or
// status write was lost. With none of them, ErrAlreadyGone; with one the
// resource may not take, ErrNotOurs.
func (e *External) keyToDelete(ctx context.Context, p *iotv1.Product) (string, error) {
	key, claim, err := e.locate(ctx, p)
	if err != nil {
		return "", err
	}
	if key == "" {
		return "", managed.ErrAlreadyGone
	}
	if err := claim.CheckDelete(e.API.ListProductTags(ctx, key)); err != nil {
		return "", err
	}
	return key, nil
}

func (e *External) dependentsRetry() time.Duration {
	return cmp.Or(e.DependentsRetry, DefaultDependentsRetry)
}

func (e *External) findByName(ctx context.Context, name string) (*iot.ProductSummary, error) {
	for summary, err := range e.API.AllProducts(ctx, listPageSize) {
		if err != nil {
			return nil, err
		}
		if summary.ProductName == name {
			return &summary, nil
		}
	}
	return nil, nil
}

// dependents counts the Devices in the Product's namespace that reference
// it by name or by its ProductKey.
func (e *External) dependents(ctx context.Context, p *iotv1.Product) (int, string, error) {
	var devices iotv1.DeviceList
	if err := e.Kube.List(ctx, &devices, client.InNamespace(p.Namespace)); err != nil {
		return 0, "", err
	}
	var names []string
	for _, d := range devices.Items {
		byRef := d.Spec.ProductRef != nil && d.Spec.ProductRef.Name == p.Name
		byKey := p.Status.ProductKey != "" && d.Spec.ProductKey == p.Status.ProductKey
		if byRef || byKey {
			names = append(names, d.Name)
		}
	}
	slices.Sort(names)
	shown := names
	if len(shown) > 5 {
		shown = append(shown[:5:5], "...")
	}
	return len(names), strings.Join(shown, ", "), nil
}

// SecretName is the name of a Product's credentials Secret.
func SecretName(p *iotv1.Product) string { return p.Name + "-product" }
