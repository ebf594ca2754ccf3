package product

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"maps"
	"slices"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/kindtest"
)

// fakeAPI is an in-memory IoT Platform holding products and their tags. It
// answers as the platform does (not found, name taken, devices still
// there) with the errors the real client builds; fail injects an error for
// one action instead of acting.
type fakeAPI struct {
	t        *testing.T
	products map[string]*iot.Product
	tags     map[string]map[string]string
	fail     map[string]error
	calls    []string
	created  int
}

func newFakeAPI(t *testing.T, products ...iot.Product) *fakeAPI {
	f := &fakeAPI{t: t, products: map[string]*iot.Product{}, tags: map[string]map[string]string{}, fail: map[string]error{}}
	for _, p := range products {
		f.products[p.ProductKey] = &p
		// Kiot's own product: it carries the mark of newProduct's resource.
		f.tags[p.ProductKey] = map[string]string{iotv1.OwnerTagKey: ourMark}
	}
	return f
}

func (f *fakeAPI) call(action string) error {
	f.calls = append(f.calls, action)
	return f.fail[action]
}

func (f *fakeAPI) product(key string) (*iot.Product, error) {
	p, ok := f.products[key]
	if !ok {
		return nil, platformError(f.t, "iot.prod.NotExistedProduct")
	}
	return p, nil
}

func (f *fakeAPI) CreateProduct(_ context.Context, in iot.CreateProductInput) (*iot.ProductCreated, error) {
	if err := f.call("CreateProduct"); err != nil {
		return nil, err
	}
	for _, p := range f.products {
		if p.ProductName == in.ProductName {
			return nil, platformError(f.t, "iot.prod.AlreadyExistedProductName")
		}
	}
	f.created++
	key := fmt.Sprintf("a1Key%d", f.created)
	f.products[key] = &iot.Product{
		ProductKey: key, ProductName: in.ProductName, ProductSecret: iot.Secret("secret-" + key),
		ProductStatus: iot.ProductStatusDevelopment, Description: in.Description, NodeType: iot.FlexInt(in.NodeType),
		DataFormat: iot.FlexInt(*in.DataFormat), AuthType: cmp.Or(in.AuthType, "secret"), ProtocolType: in.ProtocolType,
		AliyunCommodityCode: in.AliyunCommodityCode, CategoryKey: in.CategoryKey,
	}
	f.tags[key] = map[string]string{}
	return &iot.ProductCreated{ProductKey: key, ProductName: in.ProductName}, nil
}

func (f *fakeAPI) QueryProduct(_ context.Context, key string) (*iot.Product, error) {
	if err := f.call("QueryProduct"); err != nil {
		return nil, err
	}
	p, err := f.product(key)
	if err != nil {
		return nil, err
	}
	copied := *p
	return &copied, nil
}

func (f *fakeAPI) AllProducts(context.Context, int) iter.Seq2[iot.ProductSummary, error] {
	return func(yield func(iot.ProductSummary, error) bool) {
		if err := f.call("QueryProductList"); err != nil {
			yield(iot.ProductSummary{}, err)
			return
		}
		for _, key := range slices.Sorted(maps.Keys(f.products)) {
			p := f.products[key]
			if !yield(iot.ProductSummary{ProductKey: p.ProductKey, ProductName: p.ProductName, GmtCreate: p.GmtCreate}, nil) {
				return
			}
		}
	}
}

func (f *fakeAPI) UpdateProduct(_ context.Context, in iot.UpdateProductInput) error {
	if err := f.call("UpdateProduct"); err != nil {
		return err
	}
	p, err := f.product(in.ProductKey)
	if err != nil {
		return err
	}
	p.ProductName, p.Description = in.ProductName, in.Description
	return nil
}

func (f *fakeAPI) DeleteProduct(_ context.Context, key string) error {
	if err := f.call("DeleteProduct"); err != nil {
		return err
	}
	p, err := f.product(key)
	if err != nil {
		return err
	}
	if p.DeviceCount > 0 {
		return platformError(f.t, "iot.prod.ProductHasDevices")
	}
	delete(f.products, key)
	return nil
}

func (f *fakeAPI) setStatus(action, key, status string) error {
	if err := f.call(action); err != nil {
		return err
	}
	p, err := f.product(key)
	if err != nil {
		return err
	}
	p.ProductStatus = status
	return nil
}

func (f *fakeAPI) ReleaseProduct(_ context.Context, key string) error {
	return f.setStatus("ReleaseProduct", key, iot.ProductStatusRelease)
}

func (f *fakeAPI) CancelReleaseProduct(_ context.Context, key string) error {
	return f.setStatus("CancelReleaseProduct", key, iot.ProductStatusDevelopment)
}

func (f *fakeAPI) ListProductTags(_ context.Context, key string) ([]iot.Tag, error) {
	if err := f.call("ListProductTags"); err != nil {
		return nil, err
	}
	if _, err := f.product(key); err != nil {
		return nil, err
	}
	return iot.SortedTags(f.tags[key]), nil
}

func (f *fakeAPI) putTags(action, key string, tags []iot.Tag) error {
	if err := f.call(action); err != nil {
		return err
	}
	if _, err := f.product(key); err != nil {
		return err
	}
	maps.Copy(f.tags[key], iot.TagMap(tags))
	return nil
}

func (f *fakeAPI) CreateProductTags(_ context.Context, key string, tags []iot.Tag) error {
	return f.putTags("CreateProductTags", key, tags)
}

func (f *fakeAPI) UpdateProductTags(_ context.Context, key string, tags []iot.Tag) error {
	return f.putTags("UpdateProductTags", key, tags)
}

func (f *fakeAPI) DeleteProductTags(_ context.Context, key string, tagKeys []string) error {
	if err := f.call("DeleteProductTags"); err != nil {
		return err
	}
	for _, k := range tagKeys {
		delete(f.tags[key], k)
	}
	return nil
}

func platformError(t *testing.T, code string) error { return kindtest.PlatformError(t, code) }

func kube(t *testing.T, objs ...client.Object) client.Reader { return kindtest.Kube(t, objs...) }
