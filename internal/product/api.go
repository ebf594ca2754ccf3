// Package product is the Product kind's cloud logic: how a Product resource
// maps to IoT Platform calls. The engine in internal/managed drives it.
package product

import (
	"context"
	"iter"

	"github.com/kiot-dev/kiot/internal/iot"
)

// API is the part of the IoT Platform a Product needs; *iot.Client has it.
type API interface {
	CreateProduct(ctx context.Context, in iot.CreateProductInput) (*iot.ProductCreated, error)
	QueryProduct(ctx context.Context, productKey string) (*iot.Product, error)
	AllProducts(ctx context.Context, pageSize int) iter.Seq2[iot.ProductSummary, error]
	UpdateProduct(ctx context.Context, in iot.UpdateProductInput) error
	DeleteProduct(ctx context.Context, productKey string) error
	ReleaseProduct(ctx context.Context, productKey string) error
	CancelReleaseProduct(ctx context.Context, productKey string) error
	ListProductTags(ctx context.Context, productKey string) ([]iot.Tag, error)
	CreateProductTags(ctx context.Context, productKey string, tags []iot.Tag) error
	UpdateProductTags(ctx context.Context, productKey string, tags []iot.Tag) error
	DeleteProductTags(ctx context.Context, productKey string, tagKeys []string) error
}
