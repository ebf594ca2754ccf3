// Package ownership is how Kiot marks the cloud resources it owns (product
// and group tags) and decides whether a resource may take one: never one
// another owner marked, an unmarked one only when asked or when Kiot's own
// lost create made it (docs/tenancy.md).
package ownership

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

// maxValue is the longest tag value of both products (L9391–9399) and
// groups (L19550–19554).
const maxValue = 128

// validClusterID: letters, digits and hyphens, so the mark stays a valid
// tag value and its first underscore ends the cluster id.
var validClusterID = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)

// ValidateClusterID reports whether id can be this cluster's identity.
func ValidateClusterID(id string) error {
	if !validClusterID.MatchString(id) {
		return fmt.Errorf("cluster id %q must be 1–64 letters, digits or hyphens", id)
	}
	return nil
}

// Mark is the value of the owner tag that names obj, in the cluster
// clusterID, as a cloud resource's owner: <cluster>_<namespace>_<name>.
// Tag values allow letters, digits, underscores and hyphens: namespaces
// and the cluster id contain no underscore, so the first two end those
// parts, and a name's dots become underscores (names contain none). A mark
// that would exceed 128 characters ends in a hash of the whole instead.
func Mark(clusterID string, obj client.Object) string {
	full := clusterID + "_" + obj.GetNamespace() + "_" + strings.ReplaceAll(obj.GetName(), ".", "_")
	if len(full) <= maxValue {
		return full
	}
	sum := sha256.Sum256([]byte(full))
	return full[:maxValue-17] + "-" + hex.EncodeToString(sum[:8])
}

// Describe renders a mark for people: cluster, namespace and name.
func Describe(mark string) string {
	parts := strings.SplitN(mark, "_", 3)
	if len(parts) != 3 {
		return fmt.Sprintf("%q", mark)
	}
	return fmt.Sprintf("%s/%s in cluster %s", parts[1], strings.ReplaceAll(parts[2], "_", "."), parts[0])
}
