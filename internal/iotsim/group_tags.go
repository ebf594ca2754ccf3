package iotsim

import "encoding/json"

// Group tags: SetDeviceGroupTags, QueryDeviceGroupTagList (L19473–19798).

// setDeviceGroupTags treats TagString as the complete set of the group's
// tags: keys left out are deleted. The seeds only say that an existing key
// is overwritten and that a tag is deleted by "not specifying" it
// (L19563–19569), which implies but does not state a full replace
// (API-DIGEST ambiguity 19). An empty TagString clears the tags.
func setDeviceGroupTags(c *call) (M, *apiError) {
	g, e := c.group("GroupId")
	if e != nil {
		return nil, e
	}
	if e := c.checkStaticGroupType(); e != nil {
		return nil, e
	}
	var items []struct {
		Key   *string `json:"tagKey"`
		Value *string `json:"tagValue"`
	}
	if raw := c.str("TagString"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &items); err != nil {
			return nil, iotError("iot.group.InvalidFormattedTagString")
		}
	}
	var tags []Tag
	seen := map[string]bool{}
	for _, it := range items {
		if it.Key == nil || it.Value == nil || *it.Key == "" || *it.Value == "" {
			continue // a tag given without a key or value is deleted
		}
		if !validGroupTagKey(*it.Key) || !validTagValue(*it.Value) || seen[*it.Key] {
			return nil, iotErrorf("iot.group.InvalidFormattedTagString",
				"The tag %q=%q is invalid: keys are 2 to 30 letters, digits and periods, unique; values 1 to 128 letters, digits, _ and -.", *it.Key, *it.Value)
		}
		seen[*it.Key] = true
		tags = append(tags, Tag{Key: *it.Key, Value: *it.Value})
	}
	if len(tags) > maxGroupTags {
		return nil, iotError("iot.group.TagCountExceedMax")
	}
	g.Tags = tags
	return nil, nil
}

// queryDeviceGroupTagList: Data.GroupTagInfo[] with TagKey/TagValue
// (capitalised, unlike the request's tagKey/tagValue; L19728–19740).
func queryDeviceGroupTagList(c *call) (M, *apiError) {
	g, e := c.group("GroupId")
	if e != nil {
		return nil, e
	}
	if e := c.checkStaticGroupType(); e != nil {
		return nil, e
	}
	items := make([]M, len(g.Tags))
	for i, t := range g.Tags {
		items[i] = M{"TagKey": t.Key, "TagValue": t.Value}
	}
	return M{"Data": M{"GroupTagInfo": items}}, nil
}
