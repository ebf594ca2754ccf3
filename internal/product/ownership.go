package product

import (
	"context"
	"fmt"
	"time"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/managed"
	"github.com/kiot-dev/kiot/internal/ownership"
)

var _ managed.Intending = (*External)(nil)

// locate is the key of the product p names, and what p may claim of it: the
// key in status (Kiot's own record), else spec.productKey (the request to
// adopt it), else the product of the spec's name. No key, no product.
func (e *External) locate(ctx context.Context, p *iotv1.Product) (string, ownership.Claim, error) {
	claim := ownership.NewClaim(e.ClusterID, p, p.Status.CreateRequestedAt)
	key := p.Status.ProductKey
	switch {
	case key != "":
		claim.Source = ownership.FromStatus
	case p.Spec.ProductKey != "":
		key, claim.Source = p.Spec.ProductKey, ownership.FromSpec
	default:
		found, err := e.findByName(ctx, p.Spec.ProductName)
		if err != nil || found == nil {
			return "", claim, err
		}
		key, claim.Source = found.ProductKey, ownership.ByName
		claim.CreatedAt = time.UnixMilli(int64(found.GmtCreate))
	}
	claim.What = fmt.Sprintf("product %s (%s)", key, p.Spec.ProductName)
	return key, claim, nil
}

// take records a product Create found already there, if p may claim it,
// and marks it.
func (e *External) take(ctx context.Context, p *iotv1.Product, key string, claim ownership.Claim) error {
	tags, err := e.API.ListProductTags(ctx, key)
	if err != nil {
		return err
	}
	unmarked, err := claim.Check(iot.TagMap(tags))
	if err != nil {
		return err
	}
	p.Status.ProductKey = key
	if !unmarked {
		return nil
	}
	return e.mark(ctx, p)
}

// mark puts p's ownership mark on its product. A product the mark never
// reached (a crash right after the create) keeps its key in status and is
// marked by the Update its next observation asks for.
func (e *External) mark(ctx context.Context, p *iotv1.Product) error {
	return e.API.CreateProductTags(ctx, p.Status.ProductKey, []iot.Tag{{TagKey: iotv1.OwnerTagKey, TagValue: ownership.Mark(e.ClusterID, p)}})
}

// RecordIntent notes the time of a coming create in status before the
// call (ownership.RecordIntent).
func (e *External) RecordIntent(_ context.Context, obj managed.Object, obs managed.Observation) (bool, error) {
	return ownership.RecordIntent(obs, &obj.(*iotv1.Product).Status.CreateRequestedAt)
}
