package iotsim

import (
	"fmt"
	"strings"
	"testing"
)

func TestCreateProduct(t *testing.T) {
	e := newEnv(t, Options{})
	e.product("taken_name")
	tests := []struct {
		name   string
		params map[string]string
		code   string // "" = success
	}{
		{"minimal", map[string]string{"ProductName": "light_1", "NodeType": "0"}, ""},
		{"senior with data format", map[string]string{"ProductName": "light_2", "NodeType": "1", "AliyunCommodityCode": "iothub_senior", "DataFormat": "1", "ProtocolType": "modbus"}, ""},
		{"x509 in cn-shanghai", map[string]string{"ProductName": "light_3", "NodeType": "0", "AuthType": "x509"}, ""},
		{"missing name", map[string]string{"NodeType": "0"}, "iot.prod.NullProductName"},
		{"name too short", map[string]string{"ProductName": "abc", "NodeType": "0"}, "iot.prod.InvalidFormattedProductName"},
		{"name too long", map[string]string{"ProductName": strings.Repeat("a", 31), "NodeType": "0"}, "iot.prod.InvalidFormattedProductName"},
		{"name with a space", map[string]string{"ProductName": "Street light", "NodeType": "0"}, "iot.prod.InvalidFormattedProductName"},
		{"missing node type", map[string]string{"ProductName": "light_4"}, "iot.prod.InvalidNodeType"},
		{"bad node type", map[string]string{"ProductName": "light_4", "NodeType": "2"}, "iot.prod.InvalidNodeType"},
		{"long description", map[string]string{"ProductName": "light_4", "NodeType": "0", "Description": strings.Repeat("d", 101)}, "iot.prod.LongProductDesc"},
		{"bad commodity code", map[string]string{"ProductName": "light_4", "NodeType": "0", "AliyunCommodityCode": "iothub_pro"}, "iot.prod.InvalidAliyunCommodityCode"},
		{"senior without data format", map[string]string{"ProductName": "light_4", "NodeType": "0", "AliyunCommodityCode": "iothub_senior"}, "iot.prod.ProductDataFormatIsNull"},
		{"bad net type", map[string]string{"ProductName": "light_4", "NodeType": "0", "NetType": "5G"}, "iot.common.InvalidFormattedParameter"},
		{"bad protocol", map[string]string{"ProductName": "light_4", "NodeType": "0", "ProtocolType": "can"}, "iot.common.InvalidFormattedParameter"},
		{"bad auth type", map[string]string{"ProductName": "light_4", "NodeType": "0", "AuthType": "token"}, "iot.common.InvalidFormattedParameter"},
		{"LORA without join permission", map[string]string{"ProductName": "light_4", "NodeType": "0", "NetType": "LORA"}, "iot.common.InvalidFormattedParameter"},
		{"duplicate name", map[string]string{"ProductName": "taken_name", "NodeType": "0"}, "iot.prod.AlreadyExistedProductName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.call("CreateProduct", tt.params)
			if tt.code != "" {
				wantErr(t, r, 200, tt.code)
				return
			}
			if !r.success() || r.str("ProductKey") == "" || r.str("Data.ProductKey") != r.str("ProductKey") ||
				r.str("Data.ProductSecret") == "" || r.str("Data.ProductName") != tt.params["ProductName"] {
				t.Fatal(r.raw)
			}
		})
	}
	t.Run("x509 outside cn-shanghai", func(t *testing.T) {
		e.region = "ap-southeast-1"
		defer func() { e.region = "cn-shanghai" }()
		wantErr(t, e.call("CreateProduct", map[string]string{"ProductName": "light_5", "NodeType": "0", "AuthType": "x509"}), 200, "iot.common.InvalidFormattedParameter")
	})
}

func TestProductNamesAreUniquePerInstance(t *testing.T) {
	e := newEnv(t, Options{Instances: []Instance{{ID: "iot-ent-1", Region: "cn-shanghai"}}})
	e.product("same_name")
	e.must("CreateProduct", map[string]string{"ProductName": "same_name", "NodeType": "0", "IotInstanceId": "iot-ent-1"})
	e.region = "ap-southeast-1"
	e.product("same_name")
}

func TestProductCountLimit(t *testing.T) {
	e := newEnv(t, Options{})
	st := State{}
	for i := range maxProductsPerInstance {
		st.Products = append(st.Products, Product{InstanceID: "iotx-oxssharez200", OwnerUID: DefaultUID,
			ProductKey: fmt.Sprintf("a1k%08d", i), ProductName: fmt.Sprintf("p_%d", i), Status: "DEVELOPMENT_STATUS"})
	}
	e.sim.Restore(st)
	wantErr(t, e.call("CreateProduct", map[string]string{"ProductName": "one_more", "NodeType": "0"}), 200, "iot.prod.ProductCountExceedMax")
	e.region = "ap-southeast-1" // another instance has room
	e.product("one_more")
}

func TestQueryProductAndList(t *testing.T) {
	e := newEnv(t, Options{})
	pk1 := e.product("first_p")
	pk2 := e.must("CreateProduct", map[string]string{"ProductName": "second_p", "NodeType": "1", "AliyunCommodityCode": "iothub_senior",
		"DataFormat": "1", "NetType": "CELLULAR", "CategoryKey": "Lighting"}).str("ProductKey")
	e.device(pk2, "dev-a")

	r := e.must("QueryProduct", map[string]string{"ProductKey": pk2})
	if r.num("Data.DeviceCount") != 1 || r.num("Data.NetType") != 6 || r.str("Data.ProductStatus") != "DEVELOPMENT_STATUS" ||
		r.get("Data.Owner") != true || r.num("Data.GmtCreate") < 1e12 || r.str("Data.CategoryKey") != "Lighting" || r.num("Data.DataFormat") != 1 {
		t.Fatal(r.raw)
	}
	wantErr(t, e.call("QueryProduct", map[string]string{}), 200, "iot.prod.NullProductKey")
	wantErr(t, e.call("QueryProduct", map[string]string{"ProductKey": "a1missing00"}), 200, "iot.prod.NotExistedProduct")

	l := e.must("QueryProductList", map[string]string{"CurrentPage": "1", "PageSize": "1"})
	if l.num("Data.Total") != 2 || l.num("Data.PageCount") != 2 || l.num("Data.PageSize") != 1 || l.num("Data.CurrentPage") != 1 ||
		l.str("Data.List.ProductInfo.0.ProductKey") != pk2 { // newest first
		t.Fatal(l.raw)
	}
	l = e.must("QueryProductList", map[string]string{"CurrentPage": "2", "PageSize": "1"})
	if l.str("Data.List.ProductInfo.0.ProductKey") != pk1 {
		t.Fatal(l.raw)
	}
	l = e.must("QueryProductList", map[string]string{"CurrentPage": "1", "AliyunCommodityCode": "iothub"})
	if l.num("Data.Total") != 1 {
		t.Fatal(l.raw)
	}
	for _, bad := range []map[string]string{{}, {"CurrentPage": "0"}, {"CurrentPage": "1", "PageSize": "201"}, {"CurrentPage": "x"}} {
		wantErr(t, e.call("QueryProductList", bad), 200, "iot.common.InvalidPageParams")
	}
}

func TestUpdateReleaseDeleteProduct(t *testing.T) {
	e := newEnv(t, Options{})
	pk := e.product("upd_prod")
	e.product("other_prod")
	e.must("UpdateProduct", map[string]string{"ProductKey": pk, "ProductName": "upd_prod", "Description": "same name is fine"})
	wantErr(t, e.call("UpdateProduct", map[string]string{"ProductKey": pk, "ProductName": "other_prod"}), 200, "iot.prod.AlreadyExistedProductName")
	wantErr(t, e.call("UpdateProduct", map[string]string{"ProductKey": pk}), 200, "iot.prod.NullProductName")
	wantErr(t, e.call("UpdateProduct", map[string]string{"ProductKey": pk, "ProductName": "bad name"}), 200, "iot.prod.InvalidFormattedProductName")
	wantErr(t, e.call("UpdateProduct", map[string]string{"ProductKey": pk, "ProductName": "upd_prod", "Description": strings.Repeat("x", 101)}), 200, "iot.prod.LongProductDesc")
	e.must("UpdateProduct", map[string]string{"ProductKey": pk, "ProductName": "renamed_prod"})
	if r := e.must("QueryProduct", map[string]string{"ProductKey": pk}); r.str("Data.ProductName") != "renamed_prod" || r.str("Data.Description") != "same name is fine" {
		t.Fatal(r.raw)
	}

	e.must("ReleaseProduct", map[string]string{"ProductKey": pk})
	if r := e.must("QueryProduct", map[string]string{"ProductKey": pk}); r.str("Data.ProductStatus") != "RELEASE_STATUS" {
		t.Fatal(r.raw)
	}
	e.must("CancelReleaseProduct", map[string]string{"ProductKey": pk})
	if r := e.must("QueryProduct", map[string]string{"ProductKey": pk}); r.str("Data.ProductStatus") != "DEVELOPMENT_STATUS" {
		t.Fatal(r.raw)
	}

	e.device(pk, "blocker")
	wantErr(t, e.call("DeleteProduct", map[string]string{"ProductKey": pk}), 200, "iot.prod.ProductHasDevices")
	e.must("DeleteDevice", map[string]string{"ProductKey": pk, "DeviceName": "blocker"})
	e.must("DeleteProduct", map[string]string{"ProductKey": pk})
	wantErr(t, e.call("DeleteProduct", map[string]string{"ProductKey": pk}), 200, "iot.prod.NotExistedProduct")
}

func TestProductTags(t *testing.T) {
	e := newEnv(t, Options{})
	pk := e.product("tagged_p")
	other := e.product("tagged_q")
	e.must("CreateProductTags", map[string]string{"ProductKey": pk, "ProductTag.1.TagKey": "owner.team", "ProductTag.1.TagValue": "iot-core",
		"ProductTag.2.TagKey": "env", "ProductTag.2.TagValue": "prod"})
	e.must("CreateProductTags", map[string]string{"ProductKey": other, "ProductTag.1.TagKey": "env", "ProductTag.1.TagValue": "dev"})

	r := e.call("CreateProductTags", map[string]string{"ProductKey": pk, "ProductTag.1.TagKey": "env", "ProductTag.1.TagValue": "x"})
	wantErr(t, r, 200, "iot.common.InvalidFormattedParameter")
	if r.str("InvalidProductTags.ProductTag.0.TagKey") != "env" {
		t.Fatal(r.raw)
	}
	wantErr(t, e.call("CreateProductTags", map[string]string{"ProductKey": pk, "ProductTag.1.TagKey": "bad key", "ProductTag.1.TagValue": "x"}), 200, "iot.common.InvalidFormattedParameter")
	wantErr(t, e.call("CreateProductTags", map[string]string{"ProductKey": pk, "ProductTag.1.TagKey": "k", "ProductTag.1.TagValue": "bad value!"}), 200, "iot.common.InvalidFormattedParameter")
	eleven := map[string]string{"ProductKey": pk}
	for i := 1; i <= 11; i++ {
		eleven[fmt.Sprintf("ProductTag.%d.TagKey", i)] = fmt.Sprintf("k%d", i)
		eleven[fmt.Sprintf("ProductTag.%d.TagValue", i)] = "v"
	}
	wantErr(t, e.call("CreateProductTags", eleven), 200, "iot.common.InvalidFormattedParameter")
	wantErr(t, e.call("UpdateProductTags", map[string]string{"ProductKey": pk, "ProductTag.1.TagKey": "missing", "ProductTag.1.TagValue": "x"}), 200, "iot.common.InvalidFormattedParameter")

	e.must("UpdateProductTags", map[string]string{"ProductKey": pk, "ProductTag.1.TagKey": "env", "ProductTag.1.TagValue": "staging"})
	l := e.must("ListProductTags", map[string]string{"ProductKey": pk})
	if len(l.list("Data.ProductTag")) != 2 || l.str("Data.ProductTag.1.TagValue") != "staging" {
		t.Fatal(l.raw)
	}
	byKey := e.must("ListProductByTags", map[string]string{"ProductTag.1.TagKey": "env"})
	if len(byKey.list("ProductInfos.ProductInfo")) != 2 {
		t.Fatal(byKey.raw)
	}
	byValue := e.must("ListProductByTags", map[string]string{"ProductTag.1.TagKey": "env", "ProductTag.1.TagValue": "dev",
		"ProductTag.2.TagKey": "owner.team", "ProductTag.2.TagValue": "nobody"})
	if len(byValue.list("ProductInfos.ProductInfo")) != 1 || byValue.str("ProductInfos.ProductInfo.0.ProductKey") != other {
		t.Fatal(byValue.raw)
	}
	wantErr(t, e.call("ListProductByTags", map[string]string{}), 200, "iot.common.InvalidFormattedParameter")
	wantErr(t, e.call("ListProductByTags", map[string]string{"ProductTag.1.TagKey": "env", "PageSize": "51"}), 200, "iot.common.InvalidPageParams")

	e.must("DeleteProductTags", map[string]string{"ProductKey": pk, "ProductTagKey.1": "env", "ProductTagKey.2": "never-existed"})
	if l := e.must("ListProductTags", map[string]string{"ProductKey": pk}); len(l.list("Data.ProductTag")) != 1 {
		t.Fatal(l.raw)
	}
	wantErr(t, e.call("DeleteProductTags", map[string]string{"ProductKey": pk}), 200, "iot.common.InvalidFormattedParameter")
}
