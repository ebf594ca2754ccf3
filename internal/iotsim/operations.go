package iotsim

// operations are the actions the simulator serves: every operation of the
// client (products, devices, groups, distribution). Any other action
// answers UnsupportedOperation.
var operations = map[string]operation{
	// Products.
	"CreateProduct":        {handle: createProduct},
	"QueryProduct":         {handle: queryProduct},
	"QueryProductList":     {handle: queryProductList},
	"UpdateProduct":        {handle: updateProduct},
	"DeleteProduct":        {handle: deleteProduct},
	"ReleaseProduct":       {handle: releaseProduct},
	"CancelReleaseProduct": {handle: cancelReleaseProduct},
	"CreateProductTags":    {handle: createProductTags},
	"UpdateProductTags":    {handle: updateProductTags},
	"DeleteProductTags":    {handle: deleteProductTags},
	"ListProductTags":      {handle: listProductTags},
	"ListProductByTags":    {handle: listProductByTags},

	// Devices.
	"RegisterDevice":            {handle: registerDevice},
	"QueryDeviceInfo":           {handle: queryDeviceInfo},
	"QueryDeviceDetail":         {handle: queryDeviceDetail},
	"BatchQueryDeviceDetail":    {handle: batchQueryDeviceDetail},
	"QueryDevice":               {handle: queryDevice},
	"DeleteDevice":              {handle: deleteDevice},
	"GetDeviceStatus":           {handle: getDeviceStatus},
	"BatchGetDeviceState":       {handle: batchGetDeviceState},
	"DisableThing":              {handle: disableThing},
	"EnableThing":               {handle: enableThing},
	"BatchUpdateDeviceNickname": {handle: batchUpdateDeviceNickname},
	"QueryDeviceProp":           {handle: queryDeviceProp},
	"SaveDeviceProp":            {handle: saveDeviceProp},
	"DeleteDeviceProp":          {handle: deleteDeviceProp},

	// Batch registration.
	"BatchCheckDeviceNames":          {handle: batchCheckDeviceNames},
	"BatchRegisterDeviceWithApplyId": {handle: batchRegisterDeviceWithApplyId},
	"BatchRegisterDevice":            {handle: batchRegisterDevice},
	"QueryBatchRegisterDeviceStatus": {handle: queryBatchRegisterDeviceStatus},
	"QueryPageByApplyId":             {handle: queryPageByApplyId},

	// Device groups.
	"CreateDeviceGroup":               {handle: createDeviceGroup},
	"UpdateDeviceGroup":               {handle: updateDeviceGroup},
	"DeleteDeviceGroup":               {handle: deleteDeviceGroup},
	"BatchAddDeviceGroupRelations":    {handle: batchAddDeviceGroupRelations},
	"BatchDeleteDeviceGroupRelations": {handle: batchDeleteDeviceGroupRelations},
	"QueryDeviceGroupInfo":            {handle: queryDeviceGroupInfo},
	"QueryDeviceGroupList":            {handle: queryDeviceGroupList},
	"SetDeviceGroupTags":              {handle: setDeviceGroupTags},
	"QueryDeviceGroupTagList":         {handle: queryDeviceGroupTagList},
	"QueryDeviceGroupByDevice":        {handle: queryDeviceGroupByDevice},
	"QuerySuperDeviceGroup":           {handle: querySuperDeviceGroup},
	"QueryDeviceListByDeviceGroup":    {handle: queryDeviceListByDeviceGroup},

	// Distribution: account-wide, addressed by SourceInstanceId and the
	// like rather than by RegionId/IotInstanceId.
	"CreateDeviceDistributeJob":   {handle: createDeviceDistributeJob, anyRegion: true},
	"CreateProductDistributeJob":  {handle: createProductDistributeJob, anyRegion: true},
	"QueryDeviceDistributeJob":    {handle: queryDeviceDistributeJob, anyRegion: true},
	"ListDeviceDistributeJob":     {handle: listDeviceDistributeJob, anyRegion: true},
	"QueryDeviceDistributeDetail": {handle: queryDeviceDistributeDetail, anyRegion: true},
	"DeleteDeviceDistributeJob":   {handle: deleteDeviceDistributeJob, anyRegion: true},
	"QueryDeviceProvisioning":     {handle: queryDeviceProvisioning, anyRegion: true},
	"ListDistributedDevice":       {handle: listDistributedDevice, anyRegion: true},
	"ListDistributedProduct":      {handle: listDistributedProduct, anyRegion: true},
}

// Actions lists the actions the simulator serves.
func Actions() []string {
	out := make([]string, 0, len(operations))
	for a := range operations {
		out = append(out, a)
	}
	return out
}
