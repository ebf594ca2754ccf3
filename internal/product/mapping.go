package product

import (
	"maps"
	"slices"

	iotv1 "github.com/kiot-dev/kiot/api/v1alpha1"
	"github.com/kiot-dev/kiot/internal/iot"
	"github.com/kiot-dev/kiot/internal/ownership"
)

// createInput maps the spec to CreateProduct. Kiot makes products with a TSL
// model (iothub_senior), the platform's current edition, which is why
// DataFormat is always sent (it is required with it, L7930–7942).
func createInput(p *iotv1.Product) iot.CreateProductInput {
	nodeType := iot.NodeTypeDevice
	if p.Spec.NodeType == iotv1.NodeTypeGateway {
		nodeType = iot.NodeTypeGateway
	}
	dataFormat := iot.DataFormatAlinkJSON
	if p.Spec.DataFormat == iotv1.DataFormatCustom {
		dataFormat = iot.DataFormatCustom
	}
	return iot.CreateProductInput{
		ProductName:         p.Spec.ProductName,
		NodeType:            nodeType,
		DataFormat:          &dataFormat,
		Description:         p.Spec.Description,
		AliyunCommodityCode: iot.CommodityCodeSenior,
		ProtocolType:        p.Spec.ProtocolType,
		NetType:             p.Spec.NetType,
		AuthType:            p.Spec.AuthType,
		CategoryKey:         p.Spec.CategoryKey,
	}
}

// drift names what of the cloud product differs from the spec.
func drift(p *iotv1.Product, product *iot.Product, tags []iot.Tag) []string {
	var fields []string
	if product.ProductName != p.Spec.ProductName {
		fields = append(fields, "productName")
	}
	// The platform cannot clear a description (UpdateProduct sends none when
	// it is empty), so an empty spec.description leaves it unmanaged.
	if p.Spec.Description != "" && product.Description != p.Spec.Description {
		fields = append(fields, "description")
	}
	if (product.ProductStatus == iot.ProductStatusRelease) != p.Spec.Published {
		fields = append(fields, "published")
	}
	// The ownership mark is Kiot's, not the spec's: never drift.
	if !maps.Equal(ownership.WithoutMark(tags), iot.StringMap(p.Spec.Tags)) {
		fields = append(fields, "tags")
	}
	return fields
}

// tagChanges splits the way from actual to desired tags into the three
// calls the platform offers, keys sorted so calls are reproducible.
func tagChanges(actual, desired map[string]string) (create, update []iot.Tag, remove []string) {
	for _, k := range slices.Sorted(maps.Keys(desired)) {
		v := desired[k]
		current, ok := actual[k]
		switch {
		case !ok:
			create = append(create, iot.Tag{TagKey: k, TagValue: v})
		case current != v:
			update = append(update, iot.Tag{TagKey: k, TagValue: v})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(actual)) {
		if _, ok := desired[k]; !ok {
			remove = append(remove, k)
		}
	}
	return create, update, remove
}
