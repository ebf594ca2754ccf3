package product

import (
	"context"
	"slices"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/ownership"
)

// maxTagsPerCall: each tag call takes at most 10 tags (L9324, L9486, L9652).
const maxTagsPerCall = 10

// syncTags makes the product's tags exactly the spec's map plus Kiot's
// ownership mark, which it adds when missing and never removes.
func (e *External) syncTags(ctx context.Context, p *iotv1.Product) error {
	key := p.Status.ProductKey
	desired := ownership.WithMark(iot.StringMap(p.Spec.Tags), e.ClusterID, p)
	create, update, remove := tagChanges(iot.TagMap(e.observedTags), desired)
	for chunk := range slices.Chunk(remove, maxTagsPerCall) {
		if err := e.API.DeleteProductTags(ctx, key, chunk); err != nil {
			return err
		}
	}
	for chunk := range slices.Chunk(update, maxTagsPerCall) {
		if err := e.API.UpdateProductTags(ctx, key, chunk); err != nil {
			return err
		}
	}
	for chunk := range slices.Chunk(create, maxTagsPerCall) {
		if err := e.API.CreateProductTags(ctx, key, chunk); err != nil {
			return err
		}
	}
	return nil
}
