package iot

import (
	"maps"
	"slices"
)

// TagMap is a list of tags as a map of key to value.
func TagMap(tags []Tag) map[string]string {
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[t.TagKey] = t.TagValue
	}
	return out
}

// SortedTags is a map of tags as a list sorted by key, so calls built from
// it are reproducible.
func SortedTags(m map[string]string) []Tag {
	out := make([]Tag, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, Tag{TagKey: k, TagValue: m[k]})
	}
	return out
}

// StringMap turns a map with string-typed values (the API's validated tag
// and property values) into plain strings.
func StringMap[V ~string](m map[string]V) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = string(v)
	}
	return out
}
