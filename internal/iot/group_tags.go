package iot

import (
	"context"
	"encoding/json"
)

// maxGroupTags: "a maximum of 100 tags" per group (L19476, L5218).
const maxGroupTags = 100

// SetDeviceGroupTags sets a group's tags (L19473–19644). Keys left out are
// deleted ("to delete a tag, do not specify it", L19568–19569), so pass the
// complete desired set; an empty set clears them all.
func (c *Client) SetDeviceGroupTags(ctx context.Context, groupID, groupType string, tags []Tag) error {
	ch := check("SetDeviceGroupTags")
	ch.required("GroupId", groupID)
	ch.count("TagString", len(tags), 0, maxGroupTags, "004 L19476")
	wire := make([]groupTagWire, 0, len(tags))
	for _, t := range tags {
		ch.text("tagKey", t.TagKey, 2, 30, tagKeyChars, "004 L19545–19548")
		ch.text("tagValue", t.TagValue, 1, 128, tagValueChars, "004 L19550–19554")
		wire = append(wire, groupTagWire{Key: t.TagKey, Value: t.TagValue})
	}
	if err := ch.err(); err != nil {
		return err
	}
	tagString, err := json.Marshal(wire)
	if err != nil {
		return err // plain strings always encode
	}
	p := params{}.set("GroupId", groupID).set("TagString", string(tagString)).opt("GroupType", groupType)
	return c.call(ctx, "SetDeviceGroupTags", p.values(), nil)
}

// groupTagWire is the request's tag spelling, lower camel case (L19532–19569),
// unlike the TagKey/TagValue of the answers.
type groupTagWire struct {
	Key   string `json:"tagKey"`
	Value string `json:"tagValue"`
}

// QueryDeviceGroupTagList reads a group's tags (L19645–19798).
func (c *Client) QueryDeviceGroupTagList(ctx context.Context, groupID, groupType string) ([]Tag, error) {
	if err := checkGroupID("QueryDeviceGroupTagList", groupID); err != nil {
		return nil, err
	}
	var out struct {
		Data struct{ GroupTagInfo OneOrMany[Tag] }
	}
	p := params{}.set("GroupId", groupID).opt("GroupType", groupType)
	if err := c.call(ctx, "QueryDeviceGroupTagList", p.values(), &out); err != nil {
		return nil, err
	}
	return out.Data.GroupTagInfo, nil
}
