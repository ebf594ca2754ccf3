package iotsim

import (
	"cmp"
	"sort"
	"unicode/utf8"
)

// Products (section 4.7 of the developer guide; API-DIGEST §6).

// maxProductsPerInstance is iot.prod.ProductCountExceedMax's limit (L4155).
const maxProductsPerInstance = 1000

// netTypeCodes maps CreateProduct's NetType strings (L8017–8039) to the
// integers QueryProduct returns (L8536–8547). The seeds give no integer for
// LORA (ambiguity 7); 4 is the platform's LoRaWAN value. [inferred]
var netTypeCodes = map[string]int{"WIFI": 3, "CELLULAR": 6, "ETHERNET": 7, "OTHER": 8, "LORA": 4}

var protocolTypes = map[string]bool{"modbus": true, "opc-ua": true, "customize": true, "ble": true, "zigbee": true}

// product finds the caller's product named by ProductKey in the addressed
// instance.
func (c *call) product() (*product, *apiError) {
	pk := c.str("ProductKey")
	if pk == "" {
		return nil, iotError("iot.prod.NullProductKey")
	}
	p, ok := c.w.products[productKeyOf(c.inst.ID, pk)]
	if !ok || p.OwnerUID != c.key.UID {
		return nil, iotErrorf("iot.prod.NotExistedProduct", "The product does not exist: %s.", pk)
	}
	return p, nil
}

// ownProducts are the caller's products in the addressed instance, newest
// first (the order of QueryProductList, L8874–8877).
func (c *call) ownProducts() []*product {
	var out []*product
	for _, p := range c.w.products {
		if p.InstanceID == c.inst.ID && p.OwnerUID == c.key.UID {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Seq > out[j].Seq
	})
	return out
}

func (c *call) productNameTaken(name string, except *product) bool {
	for _, p := range c.w.products {
		if p != except && p.InstanceID == c.inst.ID && p.OwnerUID == c.key.UID && p.ProductName == name {
			return true
		}
	}
	return false
}

func checkProductName(name string) *apiError {
	if name == "" {
		return iotError("iot.prod.NullProductName")
	}
	if !validProductName(name) {
		return iotErrorf("iot.prod.InvalidFormattedProductName",
			"The format of the product name is invalid: %q. It must be 4 to 30 letters, digits and underscores (_).", name)
	}
	return nil
}

func checkProductDescription(desc string) *apiError {
	if utf8.RuneCountInString(desc) > 100 {
		return iotError("iot.prod.LongProductDesc")
	}
	return nil
}

// createProduct: CreateProduct (L7854–8351). Product names are unique per
// account within an instance: the parameter table says "account"
// (L7905–7907), the error text "instance" (L4026–4032); both hold here.
func createProduct(c *call) (M, *apiError) {
	name := c.str("ProductName")
	if e := checkProductName(name); e != nil {
		return nil, e
	}
	nodeType, ok := c.intParam("NodeType", -1)
	if !ok || (nodeType != 0 && nodeType != 1) {
		return nil, iotErrorf("iot.prod.InvalidNodeType", "The node type of the product is invalid: NodeType must be 0 (device) or 1 (gateway).")
	}
	desc := c.str("Description")
	if e := checkProductDescription(desc); e != nil {
		return nil, e
	}
	code := c.str("AliyunCommodityCode")
	switch code {
	case "":
		code = "iothub" // omitted: Basic Edition, no TSL model (L7950–7968)
	case "iothub", "iothub_senior":
	default:
		return nil, iotError("iot.prod.InvalidAliyunCommodityCode")
	}
	var dataFormat *int
	if c.str("DataFormat") != "" {
		df, ok := c.intParam("DataFormat", 0)
		if !ok || (df != 0 && df != 1) {
			return nil, iotErrorf("iot.common.InvalidFormattedParameter", "DataFormat must be 0 (custom) or 1 (Alink JSON).")
		}
		dataFormat = &df
	} else if code == "iothub_senior" {
		return nil, iotError("iot.prod.ProductDataFormatIsNull")
	}
	protocol := c.str("ProtocolType")
	if protocol != "" && !protocolTypes[protocol] {
		return nil, iotErrorf("iot.common.InvalidFormattedParameter", "ProtocolType must be one of modbus, opc-ua, customize, ble, zigbee.")
	}
	netType := cmp.Or(c.str("NetType"), "WIFI")
	if _, ok := netTypeCodes[netType]; !ok {
		return nil, iotErrorf("iot.common.InvalidFormattedParameter", "NetType must be one of WIFI, CELLULAR, ETHERNET, LORA, OTHER.")
	}
	if netType == "LORA" && c.str("JoinPermissionId") == "" {
		return nil, iotErrorf("iot.common.InvalidFormattedParameter", "JoinPermissionId is required when NetType is LORA.")
	}
	id2, ok := c.boolParam("Id2", false)
	if !ok {
		return nil, iotErrorf("iot.common.InvalidFormattedParameter", "Id2 must be true or false.")
	}
	authType := c.str("AuthType")
	switch {
	case authType == "" && id2:
		authType = "id2" // Id2=true without an AuthType (L7970–7990)
	case authType == "":
		authType = "secret"
	case authType != "secret" && authType != "id2" && authType != "x509":
		return nil, iotErrorf("iot.common.InvalidFormattedParameter", "AuthType must be secret, id2 or x509.")
	}
	id2 = authType == "id2" // AuthType wins over Id2
	if authType != "secret" && (c.inst.Region != "cn-shanghai" || netType == "LORA") {
		// id2 and x509: China (Shanghai) only, not with LoRaWAN (L8062–8095).
		return nil, iotErrorf("iot.common.InvalidFormattedParameter",
			"AuthType %s is available only in cn-shanghai and not for LoRaWAN products.", authType)
	}
	validate, ok := c.intParam("ValidateType", 1)
	if !ok || (validate != 1 && validate != 2) {
		return nil, iotErrorf("iot.common.InvalidFormattedParameter", "ValidateType must be 1 (weak) or 2 (none).")
	}
	if _, ok := c.boolParam("PublishAuto", true); !ok {
		return nil, iotErrorf("iot.common.InvalidFormattedParameter", "PublishAuto must be true or false.")
	}
	if c.productNameTaken(name, nil) {
		return nil, iotError("iot.prod.AlreadyExistedProductName")
	}
	if len(c.ownProducts()) >= maxProductsPerInstance {
		return nil, iotError("iot.prod.ProductCountExceedMax")
	}
	p := &product{Product: Product{
		InstanceID: c.inst.ID, OwnerUID: c.key.UID,
		ProductKey: newProductKey(), ProductSecret: newProductSecret(),
		ProductName: name, Description: desc, NodeType: nodeType, DataFormat: dataFormat,
		AliyunCommodityCode: code, AuthType: authType, Id2: id2, ProtocolType: protocol,
		NetType: netType, CategoryKey: c.str("CategoryKey"), ResourceGroupID: c.str("ResourceGroupId"),
		ValidateType: validate, Status: "DEVELOPMENT_STATUS", CreatedMs: c.nowMs(), Seq: c.w.nextSeq(),
	}}
	c.w.products[productKeyOf(p.InstanceID, p.ProductKey)] = p
	data := M{
		"AliyunCommodityCode": p.AliyunCommodityCode, "AuthType": p.AuthType, "Description": p.Description,
		"Id2": p.Id2, "NodeType": p.NodeType, "ProductKey": p.ProductKey, "ProductName": p.ProductName,
		"ProductSecret": p.ProductSecret,
	}
	if p.DataFormat != nil {
		data["DataFormat"] = *p.DataFormat
	}
	if p.ProtocolType != "" {
		data["ProtocolType"] = p.ProtocolType
	}
	if p.ResourceGroupID != "" {
		data["ResourceGroupId"] = p.ResourceGroupID
	}
	// ProductKey is also at the top level (L8161–8291).
	return M{"Data": data, "ProductKey": p.ProductKey}, nil
}

// queryProduct: QueryProduct (L8352–8754).
func queryProduct(c *call) (M, *apiError) {
	p, e := c.product()
	if e != nil {
		return nil, e
	}
	data := M{
		"AliyunCommodityCode": p.AliyunCommodityCode, "AuthType": p.AuthType, "Description": p.Description,
		"DeviceCount": len(p.devices), "GmtCreate": p.CreatedMs, "Id2": p.Id2,
		"NetType": netTypeCodes[p.NetType], "NodeType": p.NodeType, "Owner": true,
		"ProductKey": p.ProductKey, "ProductName": p.ProductName, "ProductSecret": p.ProductSecret,
		"ProductStatus": p.Status, "ValidateType": p.ValidateType,
	}
	senior := p.AliyunCommodityCode == "iothub_senior"
	if senior && p.DataFormat != nil {
		data["DataFormat"] = *p.DataFormat
	}
	if senior && p.CategoryKey != "" {
		data["CategoryKey"] = p.CategoryKey
		data["CategoryName"] = p.CategoryKey // the simulator has no category catalogue
	}
	if senior && p.NodeType == 1 && p.ProtocolType != "" {
		data["ProtocolType"] = p.ProtocolType
	}
	return M{"Data": data}, nil
}

// queryProductList: QueryProductList (L8755–9065). CurrentPage is required;
// PageSize is 1–200 with no documented default (10 here, as elsewhere).
func queryProductList(c *call) (M, *apiError) {
	page, size, e := c.paging(10, 200, true)
	if e != nil {
		return nil, e
	}
	code := c.str("AliyunCommodityCode")
	if code != "" && code != "iothub" && code != "iothub_senior" {
		return nil, iotError("iot.prod.InvalidAliyunCommodityCode")
	}
	rg := c.str("ResourceGroupId")
	var all []*product
	for _, p := range c.ownProducts() {
		if (code == "" || p.AliyunCommodityCode == code) && (rg == "" || p.ResourceGroupID == rg) {
			all = append(all, p)
		}
	}
	from, to := pageOf(len(all), page, size)
	items := make([]M, 0, to-from)
	for _, p := range all[from:to] {
		item := M{
			"AuthType": p.AuthType, "Description": p.Description, "DeviceCount": len(p.devices),
			"GmtCreate": p.CreatedMs, "NodeType": p.NodeType, "ProductKey": p.ProductKey, "ProductName": p.ProductName,
		}
		if p.DataFormat != nil {
			item["DataFormat"] = *p.DataFormat
		}
		items = append(items, item)
	}
	return M{"Data": M{
		"CurrentPage": page, "PageSize": size, "PageCount": pageCount(len(all), size), "Total": len(all),
		"List": M{"ProductInfo": items},
	}}, nil
}

// updateProduct: UpdateProduct (L9066–9201). The name is required on every
// call; keeping the product's own name is not a conflict.
func updateProduct(c *call) (M, *apiError) {
	p, e := c.product()
	if e != nil {
		return nil, e
	}
	name := c.str("ProductName")
	if e := checkProductName(name); e != nil {
		return nil, e
	}
	desc := c.str("Description")
	if e := checkProductDescription(desc); e != nil {
		return nil, e
	}
	if c.productNameTaken(name, p) {
		return nil, iotError("iot.prod.AlreadyExistedProductName")
	}
	p.ProductName = name
	if _, given := c.p["Description"]; given {
		p.Description = desc
	}
	return nil, nil
}

// deleteProduct: DeleteProduct (L9202–9317). The seeds do not say whether a
// product that still has devices can be deleted (API-DIGEST §6.5); the
// console refuses, and deleting would orphan devices that still hold
// credentials, so the simulator refuses too, with a code of its own:
// iot.prod.ProductHasDevices (not in section 4.6). Clients should treat it
// as "dependents exist: delete the devices first".
func deleteProduct(c *call) (M, *apiError) {
	p, e := c.product()
	if e != nil {
		return nil, e
	}
	if n := len(p.devices); n > 0 {
		return nil, iotErrorf("iot.prod.ProductHasDevices",
			"The product %s still has %d devices. Delete the devices before the product.", p.ProductKey, n)
	}
	delete(c.w.products, productKeyOf(p.InstanceID, p.ProductKey))
	return nil, nil
}

// releaseProduct: ReleaseProduct (L10338–10470); releasing a released
// product succeeds (the state asked for holds).
func releaseProduct(c *call) (M, *apiError) {
	p, e := c.product()
	if e != nil {
		return nil, e
	}
	p.Status = "RELEASE_STATUS"
	return nil, nil
}

// cancelReleaseProduct: CancelReleaseProduct (L10471–10581).
func cancelReleaseProduct(c *call) (M, *apiError) {
	p, e := c.product()
	if e != nil {
		return nil, e
	}
	p.Status = "DEVELOPMENT_STATUS"
	return nil, nil
}
