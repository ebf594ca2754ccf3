package iotsim

// State is the whole cloud as the simulator holds it: what GET /_sim/state
// shows, what Snapshot returns and what the state file stores. It includes
// secrets on purpose: it is the test's and the developer's view of the cloud.
type State struct {
	Products   []Product   `json:"products"`
	Devices    []Device    `json:"devices"`
	Groups     []Group     `json:"groups"`
	Jobs       []Job       `json:"jobs"`
	Batches    []Batch     `json:"batches"`
	Provisions []Provision `json:"provisions"`
	// NextApplyID keeps ApplyIds unique across restarts.
	NextApplyID int64 `json:"nextApplyId"`
	// Calls and Throttled count API requests per action since the start or
	// the last Reset (authenticated requests; throttled ones count in both).
	Calls     map[string]int64 `json:"calls"`
	Throttled map[string]int64 `json:"throttled"`
}

// Product is a product in one instance. A distributed product exists once
// per instance, with the same ProductKey.
type Product struct {
	InstanceID          string `json:"instanceId"`
	OwnerUID            string `json:"ownerUid"`
	ProductKey          string `json:"productKey"`
	ProductSecret       string `json:"productSecret"`
	ProductName         string `json:"productName"`
	Description         string `json:"description,omitempty"`
	NodeType            int    `json:"nodeType"`
	DataFormat          *int   `json:"dataFormat,omitempty"`
	AliyunCommodityCode string `json:"aliyunCommodityCode"`
	AuthType            string `json:"authType"`
	Id2                 bool   `json:"id2"`
	ProtocolType        string `json:"protocolType,omitempty"`
	NetType             string `json:"netType,omitempty"`
	CategoryKey         string `json:"categoryKey,omitempty"`
	ResourceGroupID     string `json:"resourceGroupId,omitempty"`
	ValidateType        int    `json:"validateType"`
	// Status is DEVELOPMENT_STATUS or RELEASE_STATUS.
	Status    string `json:"status"`
	CreatedMs int64  `json:"createdMs"`
	// Seq orders objects created within one millisecond.
	Seq         int64 `json:"seq"`
	Tags        []Tag `json:"tags,omitempty"`
	DeviceCount int   `json:"deviceCount"`
}

// Tag is a key and a value (product tags, group tags).
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Device is a device of a product in one instance. It is kept small (one
// 100,000-device fleet must fit in a few tens of MB): strings, integers and
// the device tags as their JSON text.
type Device struct {
	InstanceID   string `json:"instanceId"`
	ProductKey   string `json:"productKey"`
	DeviceName   string `json:"deviceName"`
	DeviceSecret string `json:"deviceSecret"`
	IotID        string `json:"iotId"`
	Nickname     string `json:"nickname,omitempty"`
	// Connection is UNACTIVE until the device first connects, then ONLINE
	// or OFFLINE (set through the /_sim endpoint).
	Connection string `json:"connection"`
	Disabled   bool   `json:"disabled,omitempty"`
	IPAddress  string `json:"ipAddress,omitempty"`
	CreatedMs  int64  `json:"createdMs"`
	ModifiedMs int64  `json:"modifiedMs"`
	ActiveMs   int64  `json:"activeMs,omitempty"`
	OnlineMs   int64  `json:"onlineMs,omitempty"`
	// StatusMs is when the reported status last changed (GetDeviceStatus).
	StatusMs int64 `json:"statusMs"`
	// Props are the device tags as a JSON object text, "" when none.
	Props string `json:"props,omitempty"`
	// Groups are the IDs of the groups the device is in (at most 10).
	Groups []string `json:"groups,omitempty"`
}

// Status is the status the API reports: DISABLE wins over the connection.
func (d *Device) Status() string {
	if d.Disabled {
		return "DISABLE"
	}
	return d.Connection
}

// Group is a static device group. Members are kept in the group (IotIds,
// oldest first) and mirrored on each device for the 10-group limit.
type Group struct {
	InstanceID string   `json:"instanceId"`
	OwnerUID   string   `json:"ownerUid"`
	GroupID    string   `json:"groupId"`
	GroupName  string   `json:"groupName"`
	GroupDesc  string   `json:"groupDesc,omitempty"`
	ParentID   string   `json:"parentId,omitempty"`
	CreatedMs  int64    `json:"createdMs"`
	Seq        int64    `json:"seq"`
	Tags       []Tag    `json:"tags,omitempty"`
	Members    []string `json:"members,omitempty"`
}

// Batch is a batch registration (BatchCheckDeviceNames then
// BatchRegisterDeviceWithApplyId, or BatchRegisterDevice).
type Batch struct {
	ApplyID    int64    `json:"applyId"`
	InstanceID string   `json:"instanceId"`
	ProductKey string   `json:"productKey"`
	Names      []string `json:"names"`
	Nicknames  []string `json:"nicknames,omitempty"`
	// CheckedMs is when the check phase ends; CreateStartMs is when
	// BatchRegisterDeviceWithApplyId was accepted (0: not yet).
	CheckStartMs  int64 `json:"checkStartMs"`
	CreateStartMs int64 `json:"createStartMs,omitempty"`
	// Status is the last settled status; the reported one is derived from
	// it and the clock (see batch.go).
	Status  string   `json:"status"`
	Invalid []string `json:"invalid,omitempty"`
	// IotIDs are the created devices, in Names order, once CREATE_SUCCESS.
	IotIDs []string `json:"iotIds,omitempty"`
}

// Job is a distribution job (device or product-only).
type Job struct {
	JobID             string   `json:"jobId"`
	OwnerUID          string   `json:"ownerUid"`
	TargetUID         string   `json:"targetUid"`
	TargetAliyunID    string   `json:"targetAliyunId,omitempty"`
	ProductKey        string   `json:"productKey"`
	SourceInstanceID  string   `json:"sourceInstanceId"`
	TargetInstanceIDs []string `json:"targetInstanceIds"`
	Strategy          int      `json:"strategy"`
	DeviceNames       []string `json:"deviceNames,omitempty"`
	ProductOnly       bool     `json:"productOnly,omitempty"`
	CreatedMs         int64    `json:"createdMs"`
	// Interrupted jobs end in status 3 (a fault injected at creation).
	Interrupted bool `json:"interrupted,omitempty"`
	// Settled is true once the job's end was applied (copies made,
	// Results filled).
	Settled bool        `json:"settled,omitempty"`
	Results []JobResult `json:"results,omitempty"`
}

// JobResult is one line of the result file of QueryDeviceDistributeDetail.
type JobResult struct {
	ProductKey string `json:"ProductKey"`
	DeviceName string `json:"DeviceName"`
	Code       int    `json:"Code"`
	Message    string `json:"Message"`
}

// Provision records where a distributed device went (QueryDeviceProvisioning,
// ListDistributedDevice).
type Provision struct {
	OwnerUID         string `json:"ownerUid"`
	ProductKey       string `json:"productKey"`
	DeviceName       string `json:"deviceName"`
	SourceInstanceID string `json:"sourceInstanceId"`
	TargetInstanceID string `json:"targetInstanceId"`
	TargetUID        string `json:"targetUid"`
	CreatedMs        int64  `json:"createdMs"`
	ModifiedMs       int64  `json:"modifiedMs"`
}
